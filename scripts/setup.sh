#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the demo need.
# Idempotent and non-interactive: packages already present are not touched, so `make` stays fast.
# `setup.sh fuzz` adds what `make fuzz` needs (clang and its libFuzzer/sanitizer runtimes);
# `setup.sh build` installs only what building and installing the daemon needs (the container
# image's build stage); `setup.sh image` adds what `make image-test` needs (podman, mmdebstrap).
set -euo pipefail

# build: the daemon, without its tests (espeak-ng renders the IVR prompts at build time)
build=(
  build-essential cmake pkg-config git espeak-ng
  libre-dev libssl-dev zlib1g-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libnice-dev
)
packages=(
  "${build[@]}"
  libgtest-dev googletest libpng-dev  # libpng: e2e tests read baresip's received-frame snapshots
  libavformat-dev  # bench/meeting: the glass-to-glass caller's NUT stream
  # media runtime
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-tools
  # browser (headless, DevTools over a pipe; docs/browser.md)
  chromium
  # the meeting run locally by `sipmediagw demo` and the end-to-end tests
  janus janus-demos
  gstreamer1.0-x fonts-dejavu-core  # textoverlay (pango) for the echo room overlay, and a font
  # test peers and tools (real programs, no mocks)
  kamailio kamailio-autheph-modules kamailio-tls-modules dnsmasq-base sip-tester baresip baresip-ffmpeg coturn sox iproute2 procps curl tcpdump
)
case "${1:-}" in
  fuzz) packages+=(clang libclang-rt-14-dev) ;;  # tests/fuzz: clang++, libFuzzer, ASan/UBSan runtimes
  build) packages=("${build[@]}") ;;
  # scripts/image-test.sh: a Debian 12 base image made here, the image built and run rootful
  image) packages+=(podman crun runc fuse-overlayfs netavark aardvark-dns catatonit mmdebstrap) ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# The Debian packages enable daemons on install; tests start their own instances on loopback
# ports, so a system-wide one would only hold ports and CPU.
for svc in kamailio coturn; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done
