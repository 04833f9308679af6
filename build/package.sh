#!/usr/bin/env bash
# build/package.sh — the Debian package and the portable archive, from one build.
#
#   build/package.sh [OUTDIR]        (default: dist/)
#
# Writes OUTDIR/hushscribe_<version>_amd64.deb and OUTDIR/hushscribe-<version>-linux-amd64.tar.gz.
# Both hold the same tree:
#   bin/hushscribe, bin/hushscribe-backupd     (usr/bin in the .deb)
#   lib/hushscribe/                            whisper.cpp, ggml and the loadable backend modules
#                                              (CPU variants, Vulkan, CUDA when built); the binaries
#                                              find it through RPATH $ORIGIN/../lib/hushscribe, so the
#                                              archive runs from any folder and nothing points at the
#                                              build machine's cache
#   share/applications, share/icons/hicolor, share/metainfo, share/man, share/doc
#
# Reproducible: with the same commit and toolchain the outputs are byte-identical
# (SOURCE_DATE_EPOCH = the commit's time, -trimpath, no build IDs or debug paths, files sorted,
# owners 0:0, gzip without names or times). build/packagetest.sh --repro checks it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. build/env.sh
out=${1:-$root/dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^\(const\|var\) Version = "\(.*\)"$/\2/p' internal/cli/cli.go)
[ -n "$version" ] || { echo "package.sh: cannot read the version from internal/cli/cli.go" >&2; exit 1; }
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
arch=amd64

work=$(mktemp -d "${TMPDIR:-/tmp}/hushscribe-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree="$work/tree"     # the portable layout
deb="$work/deb"       # the same under usr/, plus DEBIAN/
mkdir -p "$tree/bin" "$tree/lib/hushscribe" "$tree/share/applications" "$tree/share/metainfo" \
  "$tree/share/man/man1" "$tree/share/doc/hushscribe"

# --- binaries -------------------------------------------------------------------------------------
if [ ! -f frontend/dist/index.html ]; then build/frontend.sh build; fi
# The cgo link flags point at the cached prefix for building, but the binaries look for their
# libraries next to themselves: RPATH (not RUNPATH, so modules loaded later resolve the same way).
# (linkstub: the ggml-cpu name the Go bindings link against, see build/whisper.sh)
cgo_ld="-L$WHISPER_PREFIX/lib -L$WHISPER_PREFIX/linkstub -Wl,--disable-new-dtags,-rpath,\$ORIGIN/../lib/hushscribe"
gobuild() { # OUT TAGS PKG
  CGO_LDFLAGS="$cgo_ld" CGO_CFLAGS="$CGO_CFLAGS -g0" go build -trimpath -buildvcs=true -buildmode=pie \
    -ldflags "-s -w -buildid= -X github.com/hushscribe/hushscribe/internal/cli.Commit=$commit" \
    -tags "$2" -o "$1" "$3"
}
if pkg-config --exists gtk+-3.0 webkit2gtk-4.1; then
  gobuild "$tree/bin/hushscribe" "$HUSHSCRIBE_DESKTOP_TAGS" .
else
  echo "package.sh: GTK 3 / WebKitGTK 4.1 development files are missing (build/deps.sh installs them)" >&2
  exit 1
fi
gobuild "$tree/bin/hushscribe-backupd" "$HUSHSCRIBE_GO_TAGS" ./internal/backupserver/cmd/hushscribe-backupd

# --- whisper.cpp, ggml and backend modules ---------------------------------------------------------
cp -P "$WHISPER_PREFIX"/lib/*.so* "$tree/lib/hushscribe/"
for f in "$tree"/lib/hushscribe/*.so*; do
  # The unversioned names (libwhisper.so -> libwhisper.so.1) are for linking, not running.
  if [ -L "$f" ]; then case "$f" in *.so) rm "$f" ;; esac; continue; fi
  chmod 0644 "$f"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$f"
done

# ONNX Runtime, for voice activity detection and speaker diarization (internal/onnxrt finds it here).
if [ -n "${HUSHSCRIBE_ONNXRUNTIME:-}" ] && [ -f "$HUSHSCRIBE_ONNXRUNTIME" ]; then
  install -m 0644 "$HUSHSCRIBE_ONNXRUNTIME" "$tree/lib/hushscribe/"
else
  echo "package.sh: ONNX Runtime not found (build/onnx.sh): the package would lack VAD and diarization" >&2
  exit 1
fi

# --- desktop integration ---------------------------------------------------------------------------
cp build/linux/hushscribe.desktop "$tree/share/applications/"
cp build/linux/io.github.hushscribe.Hushscribe.metainfo.xml "$tree/share/metainfo/"
for s in 16 24 32 48 64 128 256 512; do
  d="$tree/share/icons/hicolor/${s}x${s}/apps"
  mkdir -p "$d"
  convert build/appicon.png -resize "${s}x${s}" -strip -define png:exclude-chunks=date,time "$d/hushscribe.png"
done
for m in hushscribe hushscribe-backupd; do
  gzip -9 -n -c "build/linux/$m.1" >"$tree/share/man/man1/$m.1.gz"
done
cat >"$tree/share/doc/hushscribe/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Hushscribe
Source: https://github.com/hushscribe/hushscribe

Files: *
Copyright: 2026 Hushscribe maintainers
License: proprietary
 All rights reserved.

Files: lib/hushscribe/libwhisper.so* lib/hushscribe/libggml*.so*
Copyright: 2023-2026 The ggml authors
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
 associated documentation files (the "Software"), to deal in the Software without restriction,
 including without limitation the rights to use, copy, modify, merge, publish, distribute,
 sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or
 substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
EOF
changelog_date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
printf 'hushscribe (%s) unstable; urgency=medium\n\n  * Release %s (commit %s).\n\n -- Hushscribe maintainers <maintainers@hushscribe.invalid>  %s\n' \
  "$version" "$version" "$commit" "$changelog_date" | gzip -9 -n >"$tree/share/doc/hushscribe/changelog.gz"

# --- the .deb --------------------------------------------------------------------------------------
mkdir -p "$deb/usr" "$deb/DEBIAN"
cp -a "$tree/bin" "$tree/lib" "$tree/share" "$deb/usr/"
install -D -m 0644 build/linux/lintian-overrides "$deb/usr/share/lintian/overrides/hushscribe"
# Dependencies from the ELF files themselves (our own private libraries carry none).
mkdir -p "$work/shlibs/debian"
printf 'Source: hushscribe\n\nPackage: hushscribe\nArchitecture: %s\n' "$arch" >"$work/shlibs/debian/control"
mapfile -t elves < <(cd "$deb" && find usr/bin usr/lib/hushscribe -type f | sort)
shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O --ignore-missing-info -l"$deb/usr/lib/hushscribe" \
  "${elves[@]/#/$deb/}" 2>"$work/shlibdeps.log" | sed -n 's/^shlibs:Depends=//p') ||
  { cat "$work/shlibdeps.log" >&2; exit 1; }
[ -n "$shlibs" ] || { cat "$work/shlibdeps.log" >&2; echo "package.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --apparent-size "$deb/usr" | cut -f1)
cat >"$deb/DEBIAN/control" <<EOF
Package: hushscribe
Version: $version
Architecture: $arch
Maintainer: Hushscribe maintainers <maintainers@hushscribe.invalid>
Installed-Size: $size
Depends: $shlibs
Recommends: ffmpeg
Suggests: mesa-vulkan-drivers
Section: sound
Priority: optional
Homepage: https://github.com/hushscribe/hushscribe
Description: private speech-to-text that stays on your computer
 Hushscribe transcribes interviews, meetings, lectures and dictation with
 whisper.cpp on this machine, on the GPU (Vulkan, CUDA) or the CPU. Audio is
 processed in memory and never leaves the computer; Private transcripts are
 encrypted on the device with a key derived from the user's password.
 .
 This package holds the desktop app, its command line (transcribe, models,
 devices, serve) and the optional encrypted backup server.
EOF
find "$deb" -type d -exec chmod 0755 {} +
find "$deb/usr/share" -type f -exec chmod 0644 {} +
chmod 0755 "$deb"/usr/bin/*
find "$deb" "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
debfile="$out/hushscribe_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$debfile" >/dev/null

# --- the portable archive ---------------------------------------------------------------------------
name="hushscribe-$version-linux-$arch"
tarfile="$out/$name.tar.gz"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  --transform "s,^\.,$name," -C "$tree" -cf - . | gzip -9 -n >"$tarfile"

echo "package.sh: $(cd "$out" && sha256sum "$(basename "$debfile")" "$(basename "$tarfile")")" >&2
echo "$debfile"
echo "$tarfile"
