#!/usr/bin/env bash
# build/packagetest.sh — install the Debian package on a clean Debian 12 and use it there.
#
#   build/packagetest.sh [--repro]
#
# 1. build/package.sh builds the .deb and the portable archive (into $TMPDIR).
# 2. lintian must report no errors; appstreamcli must validate the metainfo file.
# 3. A clean Debian 12 root (debootstrap --variant=minbase bookworm, from Debian's archive; made once and
#    cached as a pristine copy under $HUSHSCRIBE_CACHE) is copied, and in a chroot:
#    apt-get install ./hushscribe_*.deb (its dependencies resolve from the archive),
#    hushscribe --version, hushscribe transcribe of a corpus file with a generated model (the text must
#    equal the build tree's binary's), and the desktop window under Xvfb (a window named Hushscribe,
#    and a screenshot that is not blank).
# 4. The portable archive, unpacked in an unrelated folder on this machine, transcribes the same text.
# With --repro it also builds everything a second time from a fresh clone of HEAD in another folder
# with a cold Go build cache, and requires byte-identical .deb and .tar.gz files.
#
# Needs root (chroot, mounts). Takes a few minutes with warm caches (the first root: about 3 more).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. build/env.sh
repro=0
[ "${1:-}" = --repro ] && repro=1
cache=${HUSHSCRIBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hushscribe}
corpus=${HUSHSCRIBE_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
speech="$corpus/jfk.flac"
[ -f "$speech" ] || { echo "packagetest.sh: $speech missing" >&2; exit 1; }
log() { echo "packagetest.sh: $*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hushscribe-packagetest.XXXXXX")
chroot_dir="$work/root"
cleanup() {
  for m in proc sys dev/pts dev var/cache/apt/archives; do
    mountpoint -q "$chroot_dir/$m" 2>/dev/null && umount -l "$chroot_dir/$m"
  done
  rm -rf "$work"
}
trap cleanup EXIT

# --- 1. build ----------------------------------------------------------------------------------------
mapfile -t built < <(build/package.sh "$work/dist")
deb=${built[0]} tarball=${built[1]}
log "built $(basename "$deb") and $(basename "$tarball")"

# --- 2. lint -----------------------------------------------------------------------------------------
lintian --fail-on error --tag-display-limit 0 "$deb" 2>/dev/null | tee "$work/lintian.txt" >&2 ||
  { log "lintian reported errors"; exit 1; }
log "lintian: $(grep -c '^E:' "$work/lintian.txt" || true) errors, $(grep -c '^W:' "$work/lintian.txt" || true) warnings"
mkdir -p "$work/x" && dpkg-deb -x "$deb" "$work/x"
appstreamcli validate --no-net "$work/x/usr/share/metainfo/io.github.hushscribe.Hushscribe.metainfo.xml" >&2
desktop-file-validate "$work/x/usr/share/applications/hushscribe.desktop" 2>/dev/null >&2 || true

# A model and the reference transcript from the build tree's binary.
model=$(cd "$root" && go run ./internal/testmodel/cmd/hs-testmodel -shape micro -o "$work/micro.bin")
go build -tags "$HUSHSCRIBE_GO_TAGS" -o "$work/hushscribe-tree" .
ref=$(HUSHSCRIBE_HOME="$work/home-ref" "$work/hushscribe-tree" transcribe -vad off -model "$model" -language en -threads 2 -f txt "$speech")
[ -n "$ref" ] || { log "the reference transcript is empty"; exit 1; }

# --- 3. a clean Debian 12 ------------------------------------------------------------------------------
pristine="$cache/debroot-bookworm-minbase"
if [ ! -f "$pristine/.complete" ]; then
  log "creating a clean Debian 12 root (debootstrap minbase, once)"
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  rm -rf "$pristine.tmp"
  debootstrap --variant=minbase bookworm "$pristine.tmp" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log" >&2; exit 1; }
  touch "$pristine.tmp/.complete"
  rm -rf "$pristine" && mv "$pristine.tmp" "$pristine"
fi
cp -a "$pristine" "$chroot_dir"
mkdir -p "$cache/debroot-apt-archives/partial"
mount --bind "$cache/debroot-apt-archives" "$chroot_dir/var/cache/apt/archives"
mount -t proc proc "$chroot_dir/proc"
mount --bind /sys "$chroot_dir/sys"
mount --bind /dev "$chroot_dir/dev"
mount --bind /dev/pts "$chroot_dir/dev/pts"
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
cp "$deb" "$model" "$speech" "$chroot_dir/tmp/"
in_root() { chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
log "installing $(basename "$deb") with apt in the clean root"
in_root apt-get update -qq >&2
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o APT::Keep-Downloaded-Packages=true \
  "/tmp/$(basename "$deb")" xvfb xauth x11-utils x11-apps >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; exit 1; }

in_root hushscribe --version | tee "$work/version.txt" >&2
grep -q "^hushscribe " "$work/version.txt" && grep -q "^whisper.cpp: 1.9.1" "$work/version.txt" ||
  { log "--version in the clean root is wrong"; exit 1; }
got=$(in_root env HUSHSCRIBE_HOME=/tmp/home hushscribe transcribe -vad off -model "/tmp/$(basename "$model")" \
  -language en -threads 2 -f txt /tmp/jfk.flac)
if [ "$got" != "$ref" ]; then
  log "the installed package's transcript differs from the build tree's:"; diff <(echo "$ref") <(echo "$got") >&2 || true
  exit 1
fi
log "installed package transcribes: $got"

# The desktop window, in the clean root, under Xvfb: a window named Hushscribe, and screenshots taken
# while it starts (WebKit paints late on a loaded machine); one of them must show the page.
in_root env HUSHSCRIBE_HOME=/tmp/desk WEBKIT_DISABLE_DMABUF_RENDERER=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 \
  LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1280x860x24" sh -c '
    hushscribe >/tmp/app.log 2>&1 & pid=$!
    for i in $(seq 1 90); do
      xwininfo -root -tree 2>/dev/null | grep -q "\"Hushscribe\"" && break
      sleep 1
    done
    xwininfo -root -tree | grep "\"Hushscribe\"" >/tmp/window.txt || { cat /tmp/app.log; exit 1; }
    for i in 1 2 3 4 5 6 7 8; do sleep 5; xwd -root -silent >/tmp/screen-$i.xwd; done
    kill $pid; wait $pid 2>/dev/null; true' >&2 || { log "no Hushscribe window in the clean root"; exit 1; }
shown=""
for i in 8 7 6 5 4 3 2 1; do
  convert "xwd:$chroot_dir/tmp/screen-$i.xwd" "$work/screen-$i.png"
  if go run ./app/internal/screencheck "$work/screen-$i.png" >"$work/screencheck.txt" 2>&1; then shown=$i; break; fi
done
if [ -z "$shown" ]; then
  cat "$work/screencheck.txt" >&2; tail -20 "$chroot_dir/tmp/app.log" >&2
  log "the window in the clean root stayed blank"; exit 1
fi
cp "$work/screen-$shown.png" "${TMPDIR:-/tmp}/hushscribe-packagetest-window.png"
log "the window opens in the clean root ($(head -1 "$chroot_dir/tmp/window.txt" | sed 's/^ *//'); screenshot ${TMPDIR:-/tmp}/hushscribe-packagetest-window.png)"

# --- 4. the portable archive --------------------------------------------------------------------------
mkdir -p "$work/anywhere/deep/folder"
tar -xzf "$tarball" -C "$work/anywhere/deep/folder"
bin=$(echo "$work"/anywhere/deep/folder/hushscribe-*/bin/hushscribe)
if readelf -d "$bin" | grep -q "$cache"; then log "the archive's binary points at the build cache"; exit 1; fi
got=$(HUSHSCRIBE_HOME="$work/home-tar" "$bin" transcribe -vad off -model "$model" -language en -threads 2 -f txt "$speech")
[ "$got" = "$ref" ] || { log "the portable archive's transcript differs"; exit 1; }
log "portable archive transcribes the same text"

# --- 5. reproducibility --------------------------------------------------------------------------------
if [ $repro = 1 ]; then
  log "second build from a fresh clone with a cold Go build cache (several minutes)"
  git clone -q "$root" "$work/clone2"
  mkdir -p "$work/gocache2"
  (cd "$work/clone2" && GOCACHE="$work/gocache2" SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct) \
    build/package.sh "$work/dist2" >/dev/null)
  for f in "$deb" "$tarball"; do
    if ! cmp -s "$f" "$work/dist2/$(basename "$f")"; then
      log "NOT reproducible: $(basename "$f") differs between the two builds"
      sha256sum "$f" "$work/dist2/$(basename "$f")" >&2
      exit 1
    fi
  done
  log "reproducible: $(cd "$work/dist2" && sha256sum ./*.deb ./*.tar.gz | tr '\n' ' ')"
fi
log "ok"
