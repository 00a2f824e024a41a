#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS [HARNESS...]]: builds the sanitized libFuzzer
# harnesses (tools/build.sh --sanitize) and runs each one (or the named ones)
# for SECONDS (default 60), two at a time (one per core), on a scratch copy of
# its seed corpus with its dictionary. A harness keeps going after a finding
# (fork mode), so one run collects every crash, leak, timeout and OOM it
# reaches; the reproducers are left in build-sanitize/fuzz-runs/<harness>/.
# Exits 1 if any harness found something. CI smoke: bash tools/fuzz.sh 30
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${QNN_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
seconds="${1:-60}"
mkdir -p "$build"
bash "$root/tools/build.sh" --sanitize > "$build/build.log" 2>&1 \
  || { tail -50 "$build/build.log"; exit 1; }

# Longest input per harness: a few times the largest seed of each kind.
declare -A max_len=([fuzz-onnx-import]=65536 [fuzz-target-json]=8192
                    [fuzz-image]=16384 [fuzz-tensor-file]=8192 [fuzz-ir-text]=8192)
harnesses=(fuzz-onnx-import fuzz-target-json fuzz-image fuzz-tensor-file fuzz-ir-text)
if [ $# -gt 1 ]; then
  harnesses=("${@:2}")
  for name in "${harnesses[@]}"; do
    [ -n "${max_len[$name]:-}" ] || { echo "fuzz.sh: unknown harness '$name'" >&2; exit 2; }
  done
fi
runs="$build/fuzz-runs"
export QNN_TARGETS_DIR="$root/targets"
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

fuzz() {
  local name="$1" dir="$runs/$1"
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  # The checked-in seeds stay untouched: libFuzzer adds to its first directory.
  # close_fd_mask: the libraries' warnings would flood the log and slow the
  # loop; libFuzzer's own and the sanitizers' reports still reach the log.
  cp "$root/test/fuzz/corpus/$name/"* "$dir/corpus/"
  # rss_limit: the limits let one input hold up to 4 GiB of tensors
  # (docs/limits.md); only more than that, with the sanitizers' overhead, is
  # a finding.
  "$build/fuzz/$name" "$dir/corpus" -dict="$root/test/fuzz/$name.dict" \
    -max_total_time="$seconds" -max_len="${max_len[$name]}" -timeout=10 -rss_limit_mb=8192 \
    -close_fd_mask=3 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$dir/" > "$dir/log" 2>&1 || true
}

for ((i = 0; i < ${#harnesses[@]}; i += 2)); do
  for name in "${harnesses[@]:i:2}"; do
    fuzz "$name" &
  done
  wait
done

found=0
for name in "${harnesses[@]}"; do
  dir="$runs/$name"
  # Fork mode's last status line: "#RUNS: cov: .. exec/s N oom/timeout/crash: a/b/c time: Ts ..."
  status="$(grep -E '^#[0-9]+: cov:' "$dir/log" | tail -1 || true)"
  execs="$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$status")"
  rate="$(sed -E 's/.*exec\/s:? ([0-9]+).*/\1/' <<<"$status")"
  mapfile -t artifacts < <(find "$dir" -maxdepth 1 -type f \
                             \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  if [ ${#artifacts[@]} -eq 0 ]; then
    result="ok"
  else
    found=1
    result="${#artifacts[@]} finding(s): ${artifacts[*]}"
  fi
  printf '%-18s %10s runs %6s exec/s %5ss  %s\n' "$name" "${execs:-?}" "${rate:-?}" "$seconds" "$result"
done
[ "$found" -eq 0 ] || { echo "reproduce: $build/fuzz/<harness> FILE (logs: $runs/<harness>/log)"; exit 1; }
