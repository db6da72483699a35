#!/usr/bin/env bash
# Fuzzes every decoder bytes from outside reach (Sources/VirtmonFuzz) with libFuzzer and AddressSanitizer,
# starting from the committed corpus in Fuzz/corpus/TARGET, and prints one line per target: executions,
# coverage (libFuzzer's cov: edges and ft: features), corpus size and crashes.
#
#   bash scripts/fuzz.sh                      # every target, 1,000,000 inputs each (the acceptance run)
#   bash scripts/fuzz.sh --seconds 20         # every target for 20 s each (what CI runs)
#   bash scripts/fuzz.sh --runs 50000 batch wal
#
# A crash leaves its input in .build-fuzz/crashes/TARGET-crash-*; reproduce it without the fuzzer with
# `swift run virtmon-fuzz TARGET FILE`, fix it, and commit the input under Fuzz/corpus/TARGET/ as a
# regression case (FuzzCorpusTests replays the corpus in every test run). New inputs the fuzzer finds go to a
# scratch copy of the corpus, not into the repository; --merge folds them in, minimised.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1000000
seconds=""
merge=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --merge) merge=1; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done

build=.build-fuzz
echo "== building virtmon-fuzz with libFuzzer and AddressSanitizer into $build (a first build takes minutes)"
# SwiftPM passes `--sanitize fuzzer --sanitize address` to swiftc as two -sanitize= flags, in an order that
# changes from one manifest to the next (it keeps them in a set), and the driver honours the last one only:
# half the builds compiled every Swift module with AddressSanitizer alone, no coverage, and libFuzzer ran blind.
# The trailing combined flag fixes the order; SwiftPM's own flags still link libFuzzer and -parse-as-library.
swift build -c release --product virtmon-fuzz --sanitize fuzzer --sanitize address -Xswiftc -DVIRTMON_FUZZING \
    -Xswiftc -sanitize=fuzzer,address --build-path "$build" 2>&1 | grep -E "error|Compiling|Build complete" | grep -v "^\[" || true
binary="$build/release/virtmon-fuzz"
[ -x "$binary" ] || { echo "fuzz.sh: the build did not produce $binary" >&2; exit 1; }

if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(ls Fuzz/corpus)
fi
# Swift's own crash handler would fight AddressSanitizer's for the faulting thread.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
mkdir -p "$build/crashes" "$build/work"
failed=0
printf '%-20s %12s %10s %8s %8s %8s\n' target executions exec/s cov ft crashes
for target in "${targets[@]}"; do
    [ -d "Fuzz/corpus/$target" ] || { echo "fuzz.sh: no corpus for '$target' (targets: $(ls Fuzz/corpus | tr '\n' ' '))" >&2; exit 2; }
    work="$build/work/$target"
    rm -rf "$work" && mkdir -p "$work" && cp Fuzz/corpus/"$target"/* "$work"/
    limit=(-runs="$runs")
    [ -n "$seconds" ] && limit=(-max_total_time="$seconds")
    log="$build/work/$target.log"
    before=$(ls "$build/crashes" | grep -c "^$target-" || true)
    set +e
    VIRTMON_FUZZ_TARGET="$target" "$binary" "$work" "${limit[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" > "$log" 2>&1
    status=$?
    set -e
    after=$(ls "$build/crashes" | grep -c "^$target-" || true)
    executed=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
    # A run that never gained a feature prints no cov:/ft: at all (and under pipefail the empty grep would end
    # the script before the row is printed): the binary was built without coverage, and the run was blind.
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}' || true)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}' || true)
    if [ -z "$cov" ]; then
        echo "   $target ran WITHOUT coverage feedback (libFuzzer: $(grep -m1 -o 'no interesting inputs.*' "$log" || echo 'no cov: line')): $binary is not instrumented; this counts as a failure" >&2
        failed=1
    fi
    crashes=$((after - before))
    printf '%-20s %12s %10s %8s %8s %8s\n' "$target" "${executed:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
    if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=1
        echo "   $target failed (exit $status): $(grep -m1 -E 'Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY' "$log" || tail -1 "$log")"
        ls "$build/crashes" | grep "^$target-" | sed "s|^|   input: $build/crashes/|"
    fi
    if [ "$merge" -eq 1 ]; then
        VIRTMON_FUZZ_TARGET="$target" "$binary" -merge=1 "Fuzz/corpus/$target" "$work" > /dev/null 2>&1 || true
    fi
done
exit "$failed"
