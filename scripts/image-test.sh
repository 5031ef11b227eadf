#!/usr/bin/env bash
# Builds the container image (deploy/docker/Dockerfile) with podman and runs it for real:
# tests/e2e/image_test.cpp starts it in a private network namespace, calls sip:0@ and a meeting
# room, and checks Chromium's sandbox (docs/deploy.md "Container"). About an hour on 2 shared
# cores, most of it the image's build; not part of `make test` or CI. Needs root (rootful
# podman, network namespaces) and Debian's mirror. Prints the build time and image size at the end.
#
# No registry but Debian's is needed: the base image is made here with mmdebstrap (Debian 12
# minbase, the same suites as debian:12-slim) unless BASE_IMAGE names one podman already has.
#   BUILD_DIR      the CMake build tree for the test binary (default build)
#   IMAGE          the tag to build (default localhost/sipmediagw:test)
#   BASE_IMAGE     the Debian 12 image to build FROM (default: made here)
#   DEBIAN_MIRROR  for the base image (default http://deb.debian.org/debian, with -security)
#   PODMAN_ARGS, PODMAN_RUN_ARGS: podman's global flags and its run/build flags. The defaults
#     suit the machines this project is tested on: crun refuses their hybrid cgroup layout
#     ("cgroups in hybrid mode not supported"), so runc; root there lacks CAP_SYS_RESOURCE, so
#     podman's default rlimits (above the hard limits) cannot be set, hence explicit ones.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
IMAGE=${IMAGE:-localhost/sipmediagw:test}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PODMAN_ARGS=${PODMAN_ARGS:---runtime runc}
PODMAN_RUN_ARGS=${PODMAN_RUN_ARGS:---ulimit nofile=16384:16384 --ulimit nproc=16384:16384}
# shellcheck disable=SC2206  # flags are words
podman=(podman $PODMAN_ARGS)
# shellcheck disable=SC2206
run_args=($PODMAN_RUN_ARGS)

if [ "$(id -u)" -ne 0 ]; then
  echo "image-test: needs root (rootful podman, a network namespace for the test)" >&2
  exit 1
fi
./scripts/setup.sh image

if [ -z "${BASE_IMAGE:-}" ]; then
  BASE_IMAGE=localhost/sipmediagw-base:debian12
  if ! "${podman[@]}" image exists "$BASE_IMAGE"; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "image-test: making $BASE_IMAGE (mmdebstrap minbase bookworm from $DEBIAN_MIRROR)" >&2
    mmdebstrap --variant=minbase --components=main bookworm "$tmp/base.tar" \
      "deb $DEBIAN_MIRROR bookworm main" "deb $DEBIAN_MIRROR bookworm-updates main" \
      "deb $DEBIAN_MIRROR-security bookworm-security main"
    "${podman[@]}" import --change 'CMD ["bash"]' "$tmp/base.tar" "$BASE_IMAGE"
  fi
fi

# The build's RUN steps fetch packages from the mirror, so they use this machine's network.
start=$(date +%s)
"${podman[@]}" build --network host "${run_args[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
  -f deploy/docker/Dockerfile -t "$IMAGE" .
build_seconds=$(($(date +%s) - start))
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$IMAGE")

cmake -S . -B "$BUILD_DIR" >/dev/null
cmake --build "$BUILD_DIR" --target image_tests -j"$(nproc)"
status=0
SIPMEDIAGW_IMAGE=$IMAGE SIPMEDIAGW_PODMAN_ARGS=$PODMAN_ARGS SIPMEDIAGW_PODMAN_RUN_ARGS=$PODMAN_RUN_ARGS \
  "$BUILD_DIR/tests/e2e/image_tests" || status=$?
echo "image-test: $IMAGE built in ${build_seconds} s, $((size / 1000000)) MB; test exit status $status" >&2
exit $status
