#!/usr/bin/env bash
# build/deps.sh — install the system packages Hushscribe needs to build and test on Debian 12 / Ubuntu.
# Idempotent: installs only what is missing. Needs root or sudo. Set HUSHSCRIBE_SKIP_APT=1 to skip.
set -euo pipefail
[ "${HUSHSCRIBE_SKIP_APT:-0}" = 1 ] && exit 0
pkgs=(
  build-essential cmake pkg-config git ca-certificates   # whisper.cpp + cgo
  libgtk-3-dev libwebkit2gtk-4.1-dev                     # the desktop shell (Wails v2, -tags webkit2_41)
  ffmpeg                                                 # decoding M4A/AAC/Opus/video (optional for users)
  sox espeak-ng flac strace inotify-tools                # tests: make speech, compare decoders, watch the disk
  chromium xvfb xauth imagemagick x11-utils               # tests: headless browser, real window + screenshot
  xdotool xclip python3-gi gir1.2-gtk-3.0                # tests: native drag and drop and file dialog (build/dndtest.sh)
  dbus-x11 gnome-keyring libsecret-tools                 # tests: a real Secret Service for go-keyring
  pulseaudio pulseaudio-utils                            # tests: a null sink + monitor for microphone capture
  xterm at-spi2-core                                     # tests: dictation into a terminal; the password-field check (build/dictationtest.sh)
  postgresql                                             # tests: the backup server's PostgreSQL store
  libreoffice-writer-nogui                               # tests: the DOCX export opens in LibreOffice (internal/export)
  gcc-mingw-w64-x86-64-posix                             # tests: type-check the Windows build (build/crosscheck.sh)
  g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 zip # the Windows build (build/windows.sh)
  wine64 wine                                            # tests: run the Windows build under Wine
  lintian appstream desktop-file-utils debootstrap       # packaging (build/package.sh, build/packagetest.sh)
  libvulkan-dev glslc glslang-tools spirv-headers patch  # the Vulkan backend module (build/whisper.sh)
  mesa-vulkan-drivers vulkan-tools                       # tests: Vulkan on the CPU (lavapipe), vulkaninfo
)
if ! command -v dpkg-query >/dev/null; then
  echo "deps.sh: not a Debian-like system; install the equivalents of: ${pkgs[*]}" >&2
  exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "deps.sh: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
