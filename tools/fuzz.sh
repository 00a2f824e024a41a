#!/usr/bin/env bash
# tools/fuzz.sh [--seed=N] [SECONDS [HARNESS...]]: builds the sanitized
# libFuzzer harnesses (tools/build.sh --sanitize) and runs each one (or the
# named ones) for SECONDS (default 60), two at a time (one per core), on a
# scratch copy of its seed corpus with its dictionary. A harness keeps going
# after a finding (fork mode), so one run collects every crash, leak, timeout
# and OOM it reaches; the reproducers are left in
# build-sanitize/fuzz-runs/<harness>/ and printed (base64) with the first
# lines of each report. Exits 1 if any harness found something.
#
# --seed=N runs one process per harness with libFuzzer's random seed N: the
# same binary then tries the same inputs in the same order (it stops at a
# finding), so a smoke that passed here passes in CI too, and a finding there
# replays here. CI smoke: bash tools/fuzz.sh --seed=1 30
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${QNN_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
seed=""
if [[ "${1:-}" == --seed=* ]]; then
  seed="${1#--seed=}"
  [[ "$seed" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seed takes a number, got '$seed'" >&2; exit 2; }
  shift
fi
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
  local mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  [ -z "$seed" ] || mode=(-seed="$seed")
  "$build/fuzz/$name" "$dir/corpus" -dict="$root/test/fuzz/$name.dict" \
    -max_total_time="$seconds" -max_len="${max_len[$name]}" -timeout=10 -rss_limit_mb=8192 \
    -close_fd_mask=3 "${mode[@]}" -artifact_prefix="$dir/" > "$dir/log" 2>&1 || true
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
  # The last status line: "#RUNS: cov: .. exec/s N .." (fork mode) or
  # "#RUNS<tab>DONE|pulse|NEW.. cov: .. exec/s: N .." (one process).
  status="$(grep -a -E '^#[0-9]+:?[[:space:]]+([A-Z]+[[:space:]]+)?cov:' "$dir/log" | tail -1 || true)"
  execs="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$status")"
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
  # CI keeps only what is printed: the sanitizer reports' first lines and the
  # reproducers themselves (base64), so a finding there can be replayed here.
  if [ ${#artifacts[@]} -gt 0 ]; then
    grep -a -E 'ERROR:|SUMMARY:|runtime error:|^ *#[0-9]+ 0x|Deadly signal|out-of-memory' "$dir/log" \
      | head -60 | sed 's/^/    /'
    for artifact in "${artifacts[@]}"; do
      echo "    $(basename "$artifact") ($(stat -c %s "$artifact") bytes, base64 of the first 16 KiB):"
      head -c 16384 "$artifact" | base64 -w 100 | sed 's/^/      /'
    done
  fi
done
[ "$found" -eq 0 ] || { echo "reproduce: $build/fuzz/<harness> FILE (logs: $runs/<harness>/log)"; exit 1; }
