#!/usr/bin/env bash
# build/test.sh — the whole test suite, as run by CI (.ci/run) and by developers on a fresh machine.
# Installs what is missing (system packages, whisper.cpp prefix, npm packages), then runs:
#   go vet; go test (all packages, with the real whisper.cpp, the generated test model and the corpus),
#   reported with the list of skipped tests checked against build/skip-allowlist.txt; the concurrent
#   packages again under -race;
#   go vet of the Windows and macOS builds (build/crosscheck.sh);
#   the frontend's unit tests and end-to-end tests in headless Chromium; the desktop window screenshot
#   check, and that app driven under Xvfb (native drag and drop, the native file dialog, a quick
#   recording with the global hotkey); push-to-talk dictation typed into a GTK entry, an xterm and
#   Chromium (build/dictationtest.sh); the keychain tests against a real Secret Service.
# Environment: HUSHSCRIBE_CORPUS (default ../shared/corpus), GOTEST_FLAGS (extra go test flags), CI (set:
# a missing tool or an unlisted skip fails; PostgreSQL is required, as HUSHSCRIBE_TEST_POSTGRES=1).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. build/env.sh || exit 1
export HUSHSCRIBE_CORPUS=${HUSHSCRIBE_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
# Test peers nobody here wrote, built or installed once into the cache: the official OpenAI SDK
# (internal/server/sdktest) and a real S3 server (internal/s3test).
HUSHSCRIBE_OPENAI_SDK=${HUSHSCRIBE_OPENAI_SDK:-$(build/sdk.sh)} || exit 1
HUSHSCRIBE_VERSITYGW=${HUSHSCRIBE_VERSITYGW:-$(build/versitygw.sh)} || exit 1
export HUSHSCRIBE_OPENAI_SDK HUSHSCRIBE_VERSITYGW
export GOFLAGS=${GOFLAGS:-}
# libgomp spins while waiting; on a shared 2-core CI machine that makes whisper.cpp 6-20x slower.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
failed=()
step() { # step NAME CMD...
  local name=$1; shift
  echo "=== $name"
  local t0=$SECONDS
  if "$@"; then echo "--- $name: ok ($((SECONDS - t0)) s)"; else echo "--- $name: FAILED ($((SECONDS - t0)) s)"; failed+=("$name"); fi
}

step "go vet" go vet -tags "$HUSHSCRIBE_GO_TAGS" ./...
# go test -json, shown as the usual report by build/testreport, which then lists every skipped test
# against build/skip-allowlist.txt: under CI (CI=true) a skip not allowlisted fails this step, and a
# missing tool fails its test (internal/testgate). The raw JSON stays in $TMPDIR for inspection.
mkdir -p bin
go build -o bin/testreport ./build/testreport || exit 1
gotest_json=${TMPDIR:-/tmp}/hushscribe-go-test.json
gotest() { go test -tags "$HUSHSCRIBE_GO_TAGS" -count=1 -json "$@" | tee "$gotest_json" | bin/testreport -allowlist build/skip-allowlist.txt; }
step "go test" gotest -timeout 40m ${GOTEST_FLAGS:-} ./...
# The packages where goroutines meet (the HTTP server and its job queue, the library's lock and
# idle timer, the backup client and server, the app's job workers and quick recording) again under
# the race detector.
step "go test -race (concurrent packages)" gotest -race -timeout 40m ${GOTEST_FLAGS:-} \
  ./internal/server ./internal/store ./internal/backup ./internal/backupserver ./internal/quickrecord ./internal/dictation ./internal/textinput ./app ./app/wire
step "go vet for Windows and macOS" build/crosscheck.sh
if [ -f internal/keychain/testdata/run-real.sh ]; then
  step "keychain (real Secret Service)" bash internal/keychain/testdata/run-real.sh
fi
if [ -f internal/tray/testdata/run-tray-test.sh ]; then
  step "tray (D-Bus session + Xvfb)" sh internal/tray/testdata/run-tray-test.sh -tags "$HUSHSCRIBE_GO_TAGS"
fi
if [ -f frontend/package.json ]; then
  step "frontend build" build/frontend.sh build
  step "frontend type check" build/frontend.sh check
  step "frontend unit tests (vitest)" build/frontend.sh test
  step "end-to-end (headless Chromium, real Go backend)" build/frontend.sh e2e
  if [ -f main_desktop.go ] && [ -f build/screenshot.sh ]; then
    mkdir -p bin
    step "desktop build" go build -tags "$HUSHSCRIBE_DESKTOP_TAGS" -o bin/hushscribe .
    step "desktop window under Xvfb" bash build/screenshot.sh bin/hushscribe
    step "desktop app driven like a user (drop, file dialog, hotkey recording)" bash build/dndtest.sh bin/hushscribe
  fi
fi
if [ -f build/dictationtest.sh ]; then # after the frontend steps, which install playwright-core
  step "dictation into GTK, xterm and Chromium (Xvfb, PulseAudio, XTEST, AT-SPI)" bash build/dictationtest.sh
fi
step "Debian package on a clean Debian 12 (lintian, apt install, transcribe, window)" build/packagetest.sh
step "Windows build under Wine (transcript parity, vault/store/export/modelmgr tests)" build/windows.sh "${TMPDIR:-/tmp}/hushscribe-windows-dist"
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"
