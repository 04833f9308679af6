#!/usr/bin/env bash
# build/dndtest.sh — the real desktop app under Xvfb, driven as a user would: drag a file from another
# X11 client onto the window, choose another in the native file dialog (Ctrl+O), and record from the
# microphone with the global hotkey (Ctrl+Alt+R) while jfk.flac plays into it; each must end as a
# transcript in the library. These are the native paths that the Chromium end-to-end tests cannot
# reach: XDND between two X clients, WebKitGTK's drop handling, Wails' file drop (EnableFileDrop) and
# the page's OnFileDrop -> AddFiles; GTK's file chooser behind ChooseFiles; the X11 hotkey, miniaudio
# on PulseAudio (a private server whose null sink's monitor is the default source) and quick record.
#
# Usage:  build/dndtest.sh [BINARY]
#   BINARY  default bin/hushscribe, built with
#           go build -tags desktop,production,webkit2_41,sqlite_fts5 -o bin/hushscribe .
# How: under a private D-Bus session and Xvfb (no window manager), the app starts with an empty
# temporary HUSHSCRIBE_HOME holding only the generated micro test model (build/dndtest, imported and
# made the default with the binary's own `models` commands). build/dndtest/dragsource.py, a GTK 3
# window, offers a copy of jfk.flac (a name with spaces) as text/uri-list; xdotool presses the
# mouse on it, moves the pointer in steps onto the app's window and releases it there. The test
# passes when the library (read-only) holds a transcript of that file.
# Environment: HUSHSCRIBE_CORPUS (default ../shared/corpus), DNDTEST_TIMEOUT (default 3m: for the
# transcript after the drop), DNDTEST_SHOT (where a failure's screenshot goes, default
# $TMPDIR/hushscribe-dndtest.png; never committed).
# Needs: xvfb (xvfb-run), dbus-run-session, pulseaudio + pactl, xdotool, xclip, python3-gi + gir1.2-gtk-3.0, ffmpeg (x11grab,
# for the failure screenshot), Go. All in build/deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "${DNDTEST_INNER:-}" != 1 ]; then
  BIN=${1:-bin/hushscribe}
  [ -x "$BIN" ] || { echo "dndtest.sh: $BIN is not an executable; build it first" >&2; exit 1; }
  for tool in xvfb-run dbus-run-session pulseaudio pactl xdotool xclip ffmpeg go; do
    command -v "$tool" >/dev/null || { echo "dndtest.sh: $tool missing (build/deps.sh installs it)" >&2; exit 1; }
  done
  # The system Python: python3-gi is packaged for it, not for a pyenv or venv python3 on PATH.
  /usr/bin/python3 -c 'import gi; gi.require_version("Gtk", "3.0"); from gi.repository import Gtk' 2>/dev/null ||
    { echo "dndtest.sh: python3-gi / gir1.2-gtk-3.0 missing (build/deps.sh installs them)" >&2; exit 1; }
  corpus=${HUSHSCRIBE_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
  [ -f "$corpus/jfk.flac" ] || { echo "dndtest.sh: $corpus/jfk.flac missing (set HUSHSCRIBE_CORPUS)" >&2; exit 1; }

  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/hushscribe" "$tmp/home" "$tmp/drop here" "$tmp/pick here"
  cp "$corpus/jfk.flac" "$tmp/drop here/jfk speech.flac"
  cp "$corpus/librispeech_a.flac" "$tmp/pick here/chosen talk.flac"
  # The helper is built before HOME moves, so it uses the normal Go caches.
  go build -tags "${HUSHSCRIBE_GO_TAGS:-sqlite_fts5}" -o "$tmp/dndtest" ./build/dndtest
  go build -o "$tmp/screencheck" ./app/internal/screencheck
  "$tmp/dndtest" model "$tmp/ggml-test-micro.bin"
  export HUSHSCRIBE_HOME=$tmp/hushscribe
  { "$BIN" models import "$tmp/ggml-test-micro.bin" test-micro && "$BIN" models default test-micro; } \
    >"$tmp/models.log" 2>&1 || { cat "$tmp/models.log" >&2; echo "dndtest.sh: FAIL: model import" >&2; exit 1; }
  # Not the user's session, desktop or data: a private bus and X server, and a throwaway HOME for
  # WebKit's caches.
  unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY XDG_SESSION_TYPE
  export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_CACHE_HOME=$tmp/home/.cache \
    XDG_DATA_HOME=$tmp/home/.local/share XDG_RUNTIME_DIR=$tmp/home/run
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  # Software rendering: Xvfb has no GPU, and WebKit's DMA-BUF renderer would draw nothing.
  export WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
  export NO_AT_BRIDGE=1 # GTK's accessibility bridge off (WebKit may still start the a11y bus)
  export DNDTEST_INNER=1 DNDTEST_TMP=$tmp BIN=$(realpath "$BIN")
  export DNDTEST_SHOT=${DNDTEST_SHOT:-${TMPDIR:-/tmp}/hushscribe-dndtest.png}
  # The bus daemon's chatter (services it activates for the app) goes to a log, shown on failure;
  # the test's own messages keep the real stdout and stderr as fds 4 and 3.
  rc=0
  dbus-run-session -- xvfb-run -a -s "-screen 0 1600x900x24 -nolisten tcp" bash "$0" \
    3>&2 4>&1 >"$tmp/session.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then echo "--- session bus log:" >&2; cat "$tmp/session.log" >&2; fi
  exit "$rc"
fi

# ---- Inside the bus and the X server. ----
exec 1>&4 2>&3 3>&- 4>&-
tmp=$DNDTEST_TMP
file="$tmp/drop here/jfk speech.flac"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() {
  echo "dndtest.sh: FAIL: $*" >&2
  ffmpeg -loglevel error -y -f x11grab -video_size 1600x900 -i "$DISPLAY" -frames:v 1 "$DNDTEST_SHOT" \
    && echo "dndtest.sh: screenshot: $DNDTEST_SHOT" >&2
  echo "--- drag source:" >&2; cat "$tmp/source.log" >&2 2>/dev/null || true
  echo "--- app log:" >&2; tail -n 60 "$tmp/app.log" >&2 2>/dev/null || true
  exit 1
}
t0=$SECONDS

# A private PulseAudio server whose null sink's monitor is the default microphone. It starts before
# the app, which picks its microphone backend at start-up.
mkdir -p "$XDG_RUNTIME_DIR/pulse"
export PULSE_SERVER=unix:$XDG_RUNTIME_DIR/pulse/native
pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no --system=no --log-target=stderr \
  --disable-shm=yes -L "module-null-sink sink_name=dndtest rate=16000 channels=1" \
  -L "module-native-protocol-unix auth-anonymous=1 socket=$XDG_RUNTIME_DIR/pulse/native" >"$tmp/pulse.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do pactl list short sources 2>/dev/null | grep -q 'dndtest\.monitor' && break; sleep 0.1; done
pactl set-default-source dndtest.monitor || fail "no PulseAudio server: $(cat "$tmp/pulse.log")"

"$BIN" >"$tmp/app.log" 2>&1 &
pids=("$!" "${pids[@]}")
app=$(timeout 60 xdotool search --sync --onlyvisible --name '^Hushscribe$' 2>/dev/null | head -n 1) || true
[ -n "$app" ] || fail "no Hushscribe window"
xdotool windowmove "$app" 0 0
/usr/bin/python3 build/dndtest/dragsource.py "$file" 1300 40 >"$tmp/source.log" 2>&1 &
src_pid=$!
pids+=("$src_pid")
src=$(timeout 30 xdotool search --sync --onlyvisible --name '^dndtest source$' 2>/dev/null | head -n 1) || true
[ -n "$src" ] || fail "no drag source window"
xdotool windowmove "$src" 1300 40
# The page subscribes to OnFileDrop as it starts: wait until the window shows it (more than the
# blank background), then a little more.
eval "$(xdotool getwindowgeometry --shell "$app")"
for i in $(seq 1 180); do
  kill -0 "${pids[0]}" 2>/dev/null || fail "the app exited early"
  ffmpeg -loglevel error -y -f x11grab -video_size "${WIDTH}x$HEIGHT" -i "$DISPLAY+$X,$Y" -frames:v 1 \
    "$tmp/window.png" && "$tmp/screencheck" "$tmp/window.png" >/dev/null 2>&1 && break
  [ "$i" = 180 ] && fail "the window stayed blank for 90 s"
  sleep 0.5
done
echo "dndtest.sh: the page shows after $((SECONDS - t0)) s"
sleep 2
tx=$((X + WIDTH / 2)) ty=$((Y + HEIGHT / 2))
eval "$(xdotool getwindowgeometry --shell "$src")"
sx=$((X + WIDTH / 2)) sy=$((Y + HEIGHT / 2))
echo "dndtest.sh: dragging from the source ($sx,$sy) onto the window ($tx,$ty), $((SECONDS - t0)) s after start"

# Press on the source, pass GTK's drag threshold, then cross to the window in steps: XDND only sees
# the pointer's motion events. Linger over the window so that WebKit fetches the data, then drop.
xdotool mousemove "$sx" "$sy"; sleep 0.3
xdotool mousedown 1; sleep 0.3
for i in 1 2 3 4 5; do xdotool mousemove "$((sx - 4 * i))" "$sy"; sleep 0.05; done
for i in $(seq 1 20); do
  xdotool mousemove "$((sx - 20 + (tx - sx + 20) * i / 20))" "$((sy + (ty - sy) * i / 20))"; sleep 0.05
done
for i in 1 2 3 4 5 6 7 8 9 10; do xdotool mousemove "$((tx + i % 2))" "$ty"; sleep 0.1; done
xdotool mouseup 1

# The source exits after the drag ends (0 when the target accepted the drop).
for _ in $(seq 1 50); do kill -0 "$src_pid" 2>/dev/null || break; sleep 0.1; done
src_rc=0; wait "$src_pid" 2>/dev/null || src_rc=$?
[ "$src_rc" = 0 ] || fail "the drag source reports no accepted drop (exit $src_rc)"
"$tmp/dndtest" wait "$HUSHSCRIBE_HOME/library.db" "jfk speech" 11s || fail "the dropped file did not reach the library"
kill -0 "${pids[0]}" 2>/dev/null || fail "the app exited"
sed 's/^/  /' "$tmp/source.log"
echo "dndtest.sh: ok, dropped from another X client, transcribed and saved in $((SECONDS - t0)) s"

# The native open dialog: Ctrl+O in the window opens GTK's file chooser (Wails' OpenMultipleFilesDialog);
# the path is typed into its location bar. Without a window manager the keyboard follows the pointer.
t1=$SECONDS
chosen="$tmp/pick here/chosen talk.flac"
xdotool mousemove "$tx" "$ty"; sleep 0.3
xdotool key ctrl+o
dlg=$(timeout 30 xdotool search --sync --onlyvisible --name '^Choose recordings to transcribe$' 2>/dev/null | head -n 1) || true
[ -n "$dlg" ] || fail "Ctrl+O opened no file dialog"
eval "$(xdotool getwindowgeometry --shell "$dlg")"
xdotool mousemove "$((X + WIDTH / 2))" "$((Y + 20))"; sleep 1
# Pasted, not typed: the location bar completes names while one types, and keystrokes racing its
# completions garble the path.
printf %s "$chosen" | xclip -selection clipboard
xdotool key ctrl+l; sleep 0.5
xdotool key ctrl+a ctrl+v; sleep 1
xdotool key Return
for _ in $(seq 1 50); do xdotool search --onlyvisible --name '^Choose recordings to transcribe$' >/dev/null 2>&1 || break; sleep 0.2; done
"$tmp/dndtest" wait "$HUSHSCRIBE_HOME/library.db" "chosen talk" 4.65s || fail "the file chosen in the native dialog did not reach the library"
echo "dndtest.sh: ok, chosen in the native file dialog (Ctrl+O), transcribed and saved in $((SECONDS - t1)) s"

# Quick record with the global hotkey: Ctrl+Alt+R starts recording from the default microphone (the
# null sink's monitor), jfk.flac is played into the sink in real time, Ctrl+Alt+R stops; the
# transcript lands in the library (the default settings save it).
t2=$SECONDS
xdotool key ctrl+alt+r; sleep 1
ffmpeg -nostdin -hide_banner -loglevel error -re -i "$file" -ac 1 -ar 16000 -sample_fmt s16 -f pulse \
  -buffer_duration 50 -device dndtest dndtest || fail "could not play into the PulseAudio sink"
sleep 1
xdotool key ctrl+alt+r
"$tmp/dndtest" wait "$HUSHSCRIBE_HOME/library.db" "Quick recording" || fail "the quick recording (hotkey) did not reach the library"
echo "dndtest.sh: ok, recorded from the microphone with the hotkey, transcribed and saved in $((SECONDS - t2)) s"
