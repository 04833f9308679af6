#!/usr/bin/env bash
# build/screenshot.sh — start the real desktop binary under Xvfb, take a screenshot of the screen and
# check that the window shows something (not a blank or single-colour screen). It first waits for the
# page's ready signal (the window title turns from "Hushscribe (starting)" to "Hushscribe" once the
# page has mounted), so an error page fails even if it is colourful.
#
# Usage:  build/screenshot.sh [BINARY] [OUT.png]
#   BINARY  default bin/hushscribe-desktop, built with
#           go build -tags desktop,production,webkit2_41,sqlite_fts5 -o bin/hushscribe-desktop .
#   OUT     default $TMPDIR/hushscribe-screenshot.png (never committed)
# Needs: xvfb (xvfb-run), xdotool, ffmpeg (x11grab), Go (for the check). Runs with an empty temporary data
# folder, so it shows the first-run screen and touches nothing of the user's.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/hushscribe-desktop}
OUT=${2:-${TMPDIR:-/tmp}/hushscribe-screenshot.png}
WAIT=${SCREENSHOT_WAIT:-60}
[ -x "$BIN" ] || { echo "screenshot.sh: $BIN is not an executable; build it first" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "screenshot.sh: xvfb-run missing (apt-get install xvfb)" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "screenshot.sh: ffmpeg missing (apt-get install ffmpeg)" >&2; exit 1; }

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
rm -f "$OUT"
export HUSHSCRIBE_HOME=$home BIN OUT WAIT SETTLE=${SCREENSHOT_SETTLE:-3}
# Software rendering: Xvfb has no GPU, and WebKit's DMA-BUF renderer would draw nothing.
export WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1
xvfb-run -a -s "-screen 0 1280x860x24" bash -c '
  "$BIN" >"$HUSHSCRIBE_HOME/app.log" 2>&1 &
  pid=$!
  # The ready signal: the window is titled "Hushscribe (starting)" until the page has mounted and
  # renamed it "Hushscribe". An error page, a blank page or a crashed script never does.
  if ! timeout "$WAIT" xdotool search --sync --onlyvisible --name "^Hushscribe\$" >/dev/null 2>&1; then
    echo "screenshot.sh: no ready signal from the page in $WAIT s (window title never became \"Hushscribe\"):" >&2
    xdotool search --name Hushscribe getwindowname %@ >&2 2>/dev/null || true
    cat "$HUSHSCRIBE_HOME/app.log" >&2; kill "$pid" 2>/dev/null; exit 1
  fi
  sleep "${SETTLE:-3}" # let the first frame paint
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "screenshot.sh: the app exited early:" >&2; cat "$HUSHSCRIBE_HOME/app.log" >&2; exit 1
  fi
  ffmpeg -loglevel error -y -f x11grab -video_size 1280x860 -i "$DISPLAY" -frames:v 1 "$OUT"
  kill "$pid"; wait "$pid" 2>/dev/null || true
'
go run ./app/internal/screencheck "$OUT"
echo "screenshot.sh: ok, $OUT"
