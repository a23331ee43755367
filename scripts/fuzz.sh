#!/usr/bin/env bash
# Runs the fuzz targets of tests/fuzz (cargo-fuzz / libFuzzer) for a bounded time each and
# prints a summary. Stable toolchain: cargo-fuzz needs nightly-only flags (-Zsanitizer…), which
# RUSTC_BOOTSTRAP=1 unlocks on stable; the targets are built without a sanitizer (`-s none`):
# the code under test is safe Rust, the findings we look for are panics, failed invariants,
# hangs and runaway memory, which libFuzzer catches without ASan, at about twice the speed.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   every target for SECONDS (default 60)
#   scripts/fuzz.sh --smoke                every target, at most 60 s in total (CI; dev build)
#   scripts/fuzz.sh --build                build only
#   FUZZ_TARGETS="email_parse form_decode" scripts/fuzz.sh 600     some targets only
#   FUZZ_PROFILE=dev scripts/fuzz.sh 300   a timed run on the dev build (builds in minutes where
#                                          the first release build takes most of an hour on a
#                                          busy 2-core machine; ~5-10x fewer execs/s)
#
# The targets are built once (release, debug assertions on) into target/fuzz and the binaries
# are run directly. Each run reads the seed corpus tests/fuzz/seeds/<target> (committed) and
# grows tests/fuzz/corpus/<target> (git-ignored). A crash leaves its input in
# tests/fuzz/artifacts/<target>/ and makes the script exit non-zero; reproduce it with
#   target/fuzz/x86_64-unknown-linux-gnu/release/<target> tests/fuzz/artifacts/<target>/crash-…
# then fix the code and record the input in tests/fuzz_regressions.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_DIR=tests/fuzz
TARGET_DIR=target/fuzz
BIN_DIR="$TARGET_DIR/x86_64-unknown-linux-gnu/release"
export RUSTC_BOOTSTRAP=1

mode=run
secs=60
case "${1:-}" in
  --smoke) mode=smoke ;;
  --build) mode=build ;;
  "") ;;
  *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET | --smoke | --build]" >&2; exit 2 ;;
  *) secs=$1 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  if ! cargo install cargo-fuzz --locked; then
    # A fresh machine without a registry: skip, except under CI where it is a failure.
    if [ "${CI:-}" = true ]; then
      echo "cargo-fuzz could not be installed (CI=true: failing)" >&2
      exit 1
    fi
    echo "SKIPPED: cargo-fuzz could not be installed (cargo install cargo-fuzz)" >&2
    exit 0
  fi
fi

targets=${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir "$FUZZ_DIR")}
echo "==> building fuzz targets: $(echo $targets)"
# One build of every target (cargo fuzz build takes one target or all of them). The smoke run
# (CI) uses the dev profile: it compiles in about half the time of a release build, and a
# smoke run is about reaching the code, not about executions per second.
profile_flag=()
if [ "$mode" = smoke ] || [ "${FUZZ_PROFILE:-release}" = dev ]; then
  profile_flag=(--dev)
  BIN_DIR="$TARGET_DIR/x86_64-unknown-linux-gnu/debug"
fi
cargo fuzz build --fuzz-dir "$FUZZ_DIR" --target-dir "$TARGET_DIR" -s none "${profile_flag[@]}" >/dev/null
[ "$mode" = build ] && exit 0

n=$(echo $targets | wc -w)
if [ "$mode" = smoke ]; then
  # Whole-run budget of 60 s: libFuzzer start-up is ~0.1 s, so split 54 s evenly.
  secs=$(( 54 / n ))
  [ "$secs" -lt 1 ] && secs=1
fi

logs=$(mktemp -d /tmp/latchkey-fuzz.XXXXXX)
trap 'rm -rf "$logs"' EXIT
failed=0
summary=()
for t in $targets; do
  mkdir -p "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/artifacts/$t" "$FUZZ_DIR/seeds/$t"
  echo "==> $t for ${secs}s"
  status=ok
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: 2 GB is runaway memory.
  if ! nice "$BIN_DIR/$t" "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/seeds/$t" \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$FUZZ_DIR/artifacts/$t/" -print_final_stats=1 \
      >"$logs/$t.log" 2>&1; then
    status=FAILED
    failed=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$logs/$t.log" | head -20 || true
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$logs/$t.log" | grep -oE '[0-9]+$' || echo "?")
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$logs/$t.log" | grep -oE '[0-9]+$' || echo "?")
  cov=$(grep -oE 'cov: [0-9]+' "$logs/$t.log" | tail -1 | grep -oE '[0-9]+' || echo "?")
  corpus=$(find "$FUZZ_DIR/corpus/$t" -type f | wc -l)
  summary+=("$(printf '%-18s %-7s %10s runs %8s/s  cov %6s  corpus %6s' "$t" "$status" "$runs" "$rate" "$cov" "$corpus")")
done

echo
echo "==> fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "A target failed: its input is in $FUZZ_DIR/artifacts/<target>/ (see the header of $0)." >&2
  exit 1
fi
