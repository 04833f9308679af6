#!/usr/bin/env bash
# build/dictationtest.sh — push-to-talk dictation into other apps, driven as a user would, under
# Xvfb with a private D-Bus session (and its accessibility bus) and a private PulseAudio server
# whose null sink's monitor is the default microphone:
#
#   1. a focused GTK 3 text entry, then an xterm, each receive exactly the text the engine produced
#      for jfk.flac played into the microphone while the dictation shortcut (Ctrl+Alt+Space, the
#      default) is held down and then released through XTEST (xdotool keydown/keyup); with the
#      default insert method (typing) and again with "paste"; the clipboard holds its earlier
#      content afterwards and the keyboard focus never left the target window;
#   2. German and Chinese text from a fake engine is typed correctly into the GTK entry and into a
#      textarea in Chromium;
#   3. nothing is typed into a GTK password entry (AT-SPI role "password text");
#   4. the insertion benchmark (build/dictationtest bench) prints its numbers.
#
# The dictation is the app's own wiring (app/wire with the microphone through miniaudio,
# textinput.New and the tray's hotkeys; build/dictationtest serve) with default settings and the
# generated micro test model; steps 2 and 3 swap only the engine for a fake.
#
# Usage:  build/dictationtest.sh
# Environment: HUSHSCRIBE_CORPUS (default ../shared/corpus), DICTATIONTEST_SHOT (where a failure's
# screenshot goes, default $TMPDIR/hushscribe-dictationtest.png), DICTATIONTEST_BENCH_RUNS
# (default 10; 0 skips the benchmark).
# Needs: xvfb (xvfb-run), dbus-run-session, at-spi2-core, pulseaudio + pactl, xdotool, xclip, xterm,
# python3-gi + gir1.2-gtk-3.0, ffmpeg, chromium, Go (all in build/deps.sh), and the frontend's
# playwright-core (build/frontend.sh installs it; the browser step is skipped without it, except
# under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "${DICTATIONTEST_INNER:-}" != 1 ]; then
  for tool in xvfb-run dbus-run-session pulseaudio pactl xdotool xclip xterm ffmpeg go; do
    command -v "$tool" >/dev/null || { echo "dictationtest.sh: $tool missing (build/deps.sh installs it)" >&2; exit 1; }
  done
  /usr/bin/python3 -c 'import gi; gi.require_version("Gtk", "3.0"); from gi.repository import Gtk' 2>/dev/null ||
    { echo "dictationtest.sh: python3-gi / gir1.2-gtk-3.0 missing (build/deps.sh installs them)" >&2; exit 1; }
  corpus=${HUSHSCRIBE_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
  [ -f "$corpus/jfk.flac" ] || { echo "dictationtest.sh: $corpus/jfk.flac missing (set HUSHSCRIBE_CORPUS)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/home"
  cp "$corpus/jfk.flac" "$tmp/jfk.flac"
  go build -tags "${HUSHSCRIBE_GO_TAGS:-sqlite_fts5}" -o "$tmp/dictationtest" ./build/dictationtest
  "$tmp/dictationtest" model "$tmp/ggml-test-micro.bin"
  unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY XDG_SESSION_TYPE AT_SPI_BUS_ADDRESS NO_AT_BRIDGE
  export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_CACHE_HOME=$tmp/home/.cache \
    XDG_DATA_HOME=$tmp/home/.local/share XDG_RUNTIME_DIR=$tmp/home/run LANG=C.UTF-8 LC_ALL=C.UTF-8
  mkdir -m 700 "$XDG_RUNTIME_DIR"
  export GTK_A11Y=atspi # GTK's accessibility bridge on: the password-field check reads it
  export DICTATIONTEST_INNER=1 DICTATIONTEST_TMP=$tmp
  export DICTATIONTEST_SHOT=${DICTATIONTEST_SHOT:-${TMPDIR:-/tmp}/hushscribe-dictationtest.png}
  rc=0
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x720x24 -nolisten tcp" bash "$0" \
    3>&2 4>&1 >"$tmp/session.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then echo "--- session bus log:" >&2; tail -n 40 "$tmp/session.log" >&2; fi
  exit "$rc"
fi

# ---- Inside the bus and the X server. ----
exec 1>&4 2>&3 3>&- 4>&-
tmp=$DICTATIONTEST_TMP
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() {
  echo "dictationtest.sh: FAIL: $*" >&2
  ffmpeg -loglevel error -y -f x11grab -video_size 1280x720 -i "$DISPLAY" -frames:v 1 "$DICTATIONTEST_SHOT" \
    && echo "dictationtest.sh: screenshot: $DICTATIONTEST_SHOT" >&2
  for f in helper.log target.log; do
    [ -s "$tmp/$f" ] && { echo "--- $f:" >&2; tail -n 30 "$tmp/$f" >&2; }
  done
  exit 1
}
t0=$SECONDS

mkdir -p "$XDG_RUNTIME_DIR/pulse"
export PULSE_SERVER=unix:$XDG_RUNTIME_DIR/pulse/native
pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no --system=no --log-target=stderr \
  --disable-shm=yes -L "module-null-sink sink_name=dictsink rate=16000 channels=1" \
  -L "module-native-protocol-unix auth-anonymous=1 socket=$XDG_RUNTIME_DIR/pulse/native" >"$tmp/pulse.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do pactl list short sources 2>/dev/null | grep -q 'dictsink\.monitor' && break; sleep 0.1; done
pactl set-default-source dictsink.monitor || fail "no PulseAudio server: $(cat "$tmp/pulse.log")"

# A GTK entry that writes its text to a file. $1 title, $2 file, $3 optional --password.
gtk_target() {
  /usr/bin/python3 build/dictationtest/target.py "$1" "$2" ${3:-} >>"$tmp/target.log" 2>&1 &
  pids+=($!)
  local w
  w=$(timeout 30 xdotool search --sync --onlyvisible --name "^$1\$" 2>/dev/null | head -n 1) || true
  [ -n "$w" ] || fail "no window $1"
  echo "$w"
}
# focus WINDOW: give it the keyboard focus (no window manager: XSetInputFocus) and wait for it.
focus() {
  xdotool windowfocus --sync "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do [ "$(xdotool getwindowfocus)" = "$1" ] && return 0; sleep 0.1; done
  fail "could not focus window $1"
}
# watch_focus WINDOW: record the focused window every 20 ms until stop_watch; check_focus fails if
# it was ever another one.
watch_focus() {
  : >"$tmp/focus.log"
  (while :; do xdotool getwindowfocus >>"$tmp/focus.log" 2>/dev/null; sleep 0.02; done) &
  watch_pid=$!
}
stop_watch() { kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null || true; }
check_focus() { # WINDOW
  local other
  other=$(grep -cvx "$1" "$tmp/focus.log" || true)
  [ "$other" = 0 ] || fail "the focus left window $1 during the dictation ($(sort "$tmp/focus.log" | uniq -c | tr '\n' ' '))"
  [ -s "$tmp/focus.log" ] || fail "no focus samples"
}
# start_helper MODE ARGS...: run build/dictationtest MODE, wait for its ready line.
start_helper() {
  : >"$tmp/helper.log"
  "$tmp/dictationtest" "$@" >"$tmp/helper.out" 2>"$tmp/helper.log" &
  helper=$!
  pids+=("$helper")
  for _ in $(seq 1 300); do grep -q '^ready' "$tmp/helper.out" && break; kill -0 "$helper" 2>/dev/null || break; sleep 0.1; done
  grep -q '^ready' "$tmp/helper.out" || fail "dictation did not start: $(cat "$tmp/helper.out" "$tmp/helper.log")"
  echo "dictationtest.sh: $(grep '^ready' "$tmp/helper.out")"
}
stop_helper() { kill "$helper" 2>/dev/null; wait "$helper" 2>/dev/null || true; }
# dictate [AUDIO]: hold the shortcut through XTEST, play AUDIO (else 1 s of silence) into the
# microphone, release.
dictate() {
  xdotool keydown ctrl+alt+space
  sleep 0.7
  if [ -n "${1:-}" ]; then
    ffmpeg -nostdin -hide_banner -loglevel error -re -i "$1" -ac 1 -ar 16000 -sample_fmt s16 -f pulse \
      -buffer_duration 50 -device dictsink dictation || fail "could not play into the PulseAudio sink"
  else
    sleep 1
  fi
  sleep 0.5
  xdotool keyup space
  xdotool keyup ctrl alt
}
# outcome N: wait for the N-th finished dictation in OUT; print its JSON.
outcome() { # OUT N
  for _ in $(seq 1 1800); do
    [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && { sed -n "${2}p" "$1"; return 0; }
    sleep 0.1
  done
  fail "dictation $2 did not finish"
}
json() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
# wait_text FILE WANT: the file holds exactly WANT (within 10 s).
wait_text() {
  for _ in $(seq 1 100); do [ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0; sleep 0.1; done
  fail "$(basename "$1") holds $(printf %q "$(cat "$1" 2>/dev/null)"), want $(printf %q "$2")"
}
clipboard_is() {
  local got
  got=$(xclip -o -selection clipboard 2>/dev/null || true)
  [ "$got" = "$1" ] || fail "the clipboard holds $(printf %q "$got") afterwards, want $(printf %q "$1")"
}

gtk=$(gtk_target "dictation target" "$tmp/gtk.txt")
# A terminal running cat with line editing off, so each typed character reaches the file.
xterm -u8 -T "dictation xterm" -geometry 100x10+0+300 -e sh -c "stty -icanon -echo; exec cat > '$tmp/xterm.txt'" \
  >>"$tmp/target.log" 2>&1 &
pids+=($!)
xt=$(timeout 30 xdotool search --sync --onlyvisible --name '^dictation xterm$' 2>/dev/null | head -n 1) || true
[ -n "$xt" ] || fail "no xterm"
earlier="earlier clipboard – früher ✓"
printf %s "$earlier" | xclip -selection clipboard -i

n=0
for method in "" paste; do
  label=${method:-default (type)}
  start_helper serve "$tmp/data${method:+-$method}" "$tmp/ggml-test-micro.bin" "$tmp/out.jsonl" $method
  for target in gtk xterm; do
    win=$gtk file=$tmp/gtk.txt
    [ "$target" = xterm ] && win=$xt file=$tmp/xterm.txt
    if [ "$target" = gtk ]; then touch "$tmp/gtk.txt.clear"; wait_text "$tmp/gtk.txt" ""; fi
    before=$(cat "$file" 2>/dev/null || true)
    focus "$win"
    : >"$tmp/gtk.txt.focus"
    watch_focus
    t1=$SECONDS
    dictate "$tmp/jfk.flac"
    n=$((n + 1))
    o=$(outcome "$tmp/out.jsonl" "$n")
    stop_watch
    [ "$(json "$o" inserted)" = True ] || fail "$target, $label: not inserted: $o"
    text=$(json "$o" text)
    [ -n "$text" ] || fail "$target, $label: the engine produced no text: $o"
    wait_text "$file" "$before$text "
    check_focus "$win"
    # GTK reports a focus-out while the shortcut's key grab is active (X sends FocusOut with mode
    # NotifyGrab, the input focus stays): it must have the focus back afterwards.
    [ "$target" != gtk ] || [ "$(tail -n 1 "$tmp/gtk.txt.focus")" != focus-out ] ||
      fail "the GTK entry's window did not get the focus back ($(tr '\n' ' ' <"$tmp/gtk.txt.focus"))"
    clipboard_is "$earlier"
    echo "dictationtest.sh: ok, $target, $label: inserted exactly the engine's $(printf %s "$text" | wc -m) characters" \
      "($(printf %q "$text")) in $((SECONDS - t1)) s; focus stayed, clipboard kept"
  done
  stop_helper
  # After a paste, Hushscribe itself serves the restored clipboard (its earlier owner, xclip, quit
  # when the paste took the clipboard): it goes when the helper quits, as with any X11 clipboard.
  printf %s "$earlier" | xclip -selection clipboard -i
done

# Unicode from a fake engine, through the same shortcut, keys and inserter.
# 13 characters that are not on the US keyboard: fewer than Xvfb's 19 spare keycodes, so they are
# typed through one remap (longer texts in other scripts are pasted: see the benchmark).
unicode="Grüße aus Köln: Äpfel, Öl und Übermaß – schöne Straße! 你好，世界。"
start_helper fake "$unicode" "$tmp/fake.jsonl"
touch "$tmp/gtk.txt.clear"; wait_text "$tmp/gtk.txt" ""
focus "$gtk"
dictate
o=$(outcome "$tmp/fake.jsonl" 1)
[ "$(json "$o" inserted)" = True ] || fail "unicode: not inserted: $o"
wait_text "$tmp/gtk.txt" "$unicode "
echo "dictationtest.sh: ok, German and Chinese typed into the GTK entry: $(cat "$tmp/gtk.txt")"

# The same into a browser: a textarea in Chromium (headed, through Playwright's driver, which only
# reads the value back).
if [ -d frontend/node_modules/playwright-core ] || [ "${CI:-}" = true ]; then
  node build/dictationtest/browser.mjs "$tmp/browser.txt" >>"$tmp/target.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do [ -f "$tmp/browser.txt" ] && break; sleep 0.1; done
  br=$(timeout 30 xdotool search --sync --onlyvisible --name '^dictation browser' 2>/dev/null | head -n 1) || true
  [ -n "$br" ] || fail "no Chromium window"
  focus "$br"
  watch_focus
  dictate
  o=$(outcome "$tmp/fake.jsonl" 2)
  stop_watch
  [ "$(json "$o" inserted)" = True ] || fail "browser: not inserted: $o"
  wait_text "$tmp/browser.txt" "$unicode "
  check_focus "$br"
  echo "dictationtest.sh: ok, German and Chinese typed into a Chromium textarea: $(cat "$tmp/browser.txt")"
  fake_n=2
else
  echo "dictationtest.sh: skipped the browser (no frontend/node_modules: run build/frontend.sh first)"
  fake_n=1
fi

# A password entry: the AT-SPI role says so, and nothing is typed.
pw=$(gtk_target "dictation password" "$tmp/pw.txt" --password)
focus "$pw"
sleep 1 # the accessibility bus reports the focus change
dictate
o=$(outcome "$tmp/fake.jsonl" $((fake_n + 1)))
sleep 0.5
[ "$(json "$o" inserted)" = False ] || fail "typed into a password field: $o"
case "$(json "$o" error)" in *password*) ;; *) fail "password field: unexpected outcome $o" ;; esac
[ "$(cat "$tmp/pw.txt")" = "" ] || fail "the password entry holds $(cat "$tmp/pw.txt")"
clipboard_is "$earlier"
echo "dictationtest.sh: ok, nothing typed into the password entry ($(json "$o" error))"
stop_helper

runs=${DICTATIONTEST_BENCH_RUNS:-10}
if [ "$runs" -gt 0 ]; then
  touch "$tmp/gtk.txt.clear"; wait_text "$tmp/gtk.txt" ""
  focus "$gtk"
  "$tmp/dictationtest" bench "$tmp/gtk.txt" "$runs" || fail "benchmark"
fi
echo "dictationtest.sh: all ok in $((SECONDS - t0)) s"
