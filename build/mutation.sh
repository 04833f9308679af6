#!/usr/bin/env bash
# build/mutation.sh — mutation testing of the packages that keep the README's promises, with
# gremlins v0.6.0 (github.com/go-gremlins/gremlins, installed from the Go module proxy into
# ~/.cache/hushscribe/gremlins-0.6.0). Each mutant (a flipped comparison, a changed constant, a
# negated condition...) must make the package's tests fail ("killed"); a mutant that "lived" is a
# change the tests did not notice. Not part of build/test.sh: it runs each package's tests once per
# mutant, which takes from minutes (wipe) to hours (engine) on a 2-core machine.
#
# Usage: build/mutation.sh [PACKAGE...]   (default: all of them; e.g. build/mutation.sh internal/vault)
# Results: one JSON file per package and a summary in ${MUTATION_OUT:-$TMPDIR/hushscribe-mutation}.
# MUTATION_WORKERS (default 1) mutants run at once.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. build/env.sh || exit 1
version=0.6.0
bin="$HUSHSCRIBE_CACHE/gremlins-$version/gremlins"
if [ ! -x "$bin" ]; then
  echo "mutation.sh: installing gremlins $version into $(dirname "$bin")" >&2
  GOBIN=$(dirname "$bin") GOFLAGS= go install "github.com/go-gremlins/gremlins/cmd/gremlins@v$version" || exit 1
fi
out=${MUTATION_OUT:-${TMPDIR:-/tmp}/hushscribe-mutation}
mkdir -p "$out"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

# PACKAGE and the files in it that are left out (regexp on the path): for internal/server only
# authentication (keys.go, the auth middleware in handlers.go) is in scope, for internal/engine
# only the options and the silence gate (engine.go).
declare -A exclude=(
  [internal/vault]='_test\.go$'
  [internal/store]='_test\.go$'
  [internal/backup]='_test\.go$'
  [internal/wipe]='_test\.go$'
  [internal/audio]='_test\.go$|dot_'
  [internal/server]='_test\.go$|(^|/)(adapters|errors|format|job|languages|metrics|models|request|server|device)\.go$|loadtest/'
  [internal/engine]='_test\.go$|(^|/)(modelfile|whisper|devices?|backend[a-z_]*)\.go$'
)
pkgs=("$@")
[ ${#pkgs[@]} -eq 0 ] && pkgs=(internal/vault internal/wipe internal/store internal/backup internal/server internal/audio internal/engine)
summary="$out/summary.txt"
: >"$summary"
status=0
for p in "${pkgs[@]}"; do
  [ -n "${exclude[$p]+x}" ] || { echo "mutation.sh: unknown package $p (one of: ${!exclude[*]})" >&2; exit 2; }
  echo "=== $p"
  json="$out/$(echo "$p" | tr / _).json"
  "$bin" unleash --tags "$HUSHSCRIBE_GO_TAGS" --workers "${MUTATION_WORKERS:-1}" --test-cpu 1 \
    --timeout-coefficient 5 -E "${exclude[$p]}" -S lst -o "$json" "./$p" 2>&1 | tee "$out/$(echo "$p" | tr / _).log" | grep -E "LIVED|TIMED OUT|Killed|Lived|Timed out|Efficacy|coverage|Not covered" || status=1
  eff=$(grep -Eo 'Test efficacy: [0-9.]+%' "$out/$(echo "$p" | tr / _).log" | tail -n1)
  cov=$(grep -Eo 'Mutator coverage: [0-9.]+%' "$out/$(echo "$p" | tr / _).log" | tail -n1)
  counts=$(grep -Eo 'Killed: [0-9]+, Lived: [0-9]+, Not covered: [0-9]+' "$out/$(echo "$p" | tr / _).log" | tail -n1)
  echo "$p: ${eff:-no result}${cov:+; $cov}${counts:+; $counts}" | tee -a "$summary"
done
echo "mutation.sh: summary in $summary"
exit $status
