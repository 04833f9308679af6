#!/usr/bin/env bash
# build/wails-bindings.sh — regenerate the page's Wails bindings, checked in under frontend/wailsjs so
# that neither CI nor a developer needs the wails CLI:
#
#   frontend/wailsjs/go/app/App.js, App.d.ts, go/models.ts
#       generated from app.App's bound methods by app/internal/bindgen, in the layout
#       `wails generate module` writes (models.ts declares interfaces rather than classes);
#       `go test ./app -run TestBindings` fails while they are stale.
#   frontend/wailsjs/runtime/runtime.js, runtime.d.ts, package.json
#       copied from the Wails module (github.com/wailsapp/wails/v2/internal/frontend/runtime/wrapper)
#       at the version go.mod requires.
#
# Usage: build/wails-bindings.sh          (run after changing a bound method or its types)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=${GOFLAGS:--mod=mod}
go test ./app -run '^TestBindings$' -count=1 -update >/dev/null
wails_dir=$(go list -m -f '{{.Dir}}' github.com/wailsapp/wails/v2)
mkdir -p frontend/wailsjs/runtime
for f in runtime.js runtime.d.ts package.json; do
  install -m 0644 "$wails_dir/internal/frontend/runtime/wrapper/$f" "frontend/wailsjs/runtime/$f"
done
echo "wails-bindings.sh: frontend/wailsjs is up to date"
