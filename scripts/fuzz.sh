#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, clang with ASan+UBSan) into build-fuzz/ and runs
# each for FUZZ_SECONDS (default 60) over a copy of its seed corpus. Exits non-zero if a target
# crashes, leaks, hangs or breaks a property, after printing the reproducer's path.
# Usage: scripts/fuzz.sh [target ...]   (default: every target); docs/security.md "Fuzzing".
#   FUZZ_SECONDS=600 scripts/fuzz.sh fuzz_sdp      # a longer run of one target
#   build-fuzz/tests/fuzz/fuzz_sdp <reproducer>      # replay a finding
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
jobs="${FUZZ_JOBS:-$(nproc)}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_sdp fuzz_info_body fuzz_bfcp fuzz_http_request fuzz_devtools fuzz_config fuzz_names)
fi

launcher=()
if [ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ] && command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DSIPMEDIAGW_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}"

failed=()
for t in "${targets[@]}"; do
  bin="$build_dir/tests/fuzz/$t"
  seeds="tests/fuzz/corpus/${t#fuzz_}"
  # New inputs go to the build tree; the repo's corpus only gets minimised, chosen ones.
  work="$build_dir/fuzz-corpus/$t"
  artifacts="$build_dir/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts/")
  dict="tests/fuzz/${t#fuzz_}.dict"
  if [ -f "$dict" ]; then args+=(-dict="$dict"); fi
  echo "fuzz: $t for ${seconds}s (seeds $seeds, corpus $work)" >&2
  log="$artifacts/last-run.log"
  if "$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$log" |
      sed "s/^/fuzz: $t: /" >&2 || true
  else
    tail -n 40 "$log" >&2
    reproducer=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | cut -d' ' -f5 || true)
    echo "fuzz: $t FAILED; reproducer: ${reproducer:-none written, see $log}" >&2
    echo "fuzz: replay with: $bin ${reproducer:-<input>}" >&2
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a finding" >&2
