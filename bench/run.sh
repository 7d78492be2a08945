#!/usr/bin/env bash
# The gateway benchmark of issue 8, in one command:
#
#   bench/run.sh [congdan-bench flags]      e.g. bench/run.sh -d 30 -c 64
#   bench/run.sh subscriptions [flags]      issue 5's subscription fan-out,
#                                           e.g. --n 1000,5000,9500 (no Hive
#                                           Router; needs NATS on 4222)
#
# Installs Hive Router once into the cache folder (about 40 minutes on two
# cores; not with --targets ours,baseline), builds `congdan` and
# `congdan-bench` in release mode, then runs the benchmark: results in
# bench/results/<date>-<sha>.{md,json}.
#
# CONGDAN_BENCH_CACHE   where Hive Router is installed (~/.cache/congdan-bench)
# CARGO_TARGET_DIR      cargo's target folder, as usual (./target)
# CONGDAN_BIN           a congdan binary to measure instead of building one
#                       (e.g. a copy of an earlier build, for before/after)
set -euo pipefail

cd "$(dirname "$0")/.."

TARGET="${CARGO_TARGET_DIR:-$PWD/target}"

if [ "${1:-}" = "subscriptions" ]; then
    shift
    if [ -n "${CONGDAN_BIN:-}" ]; then
        echo "==> building congdan-bench (release); measuring $CONGDAN_BIN"
        cargo build --release -p congdan-bench
    else
        echo "==> building congdan and congdan-bench (release)"
        cargo build --release -p congdan -p congdan-bench
        CONGDAN_BIN="$TARGET/release/congdan"
    fi
    exec "$TARGET/release/congdan-bench" subscriptions --congdan "$CONGDAN_BIN" "$@"
fi

HIVE_ROUTER_VERSION=0.2.0
CACHE="${CONGDAN_BENCH_CACHE:-$HOME/.cache/congdan-bench}"
HIVE_ROOT="$CACHE/hive-router-$HIVE_ROUTER_VERSION"
HIVE_BIN="$HIVE_ROOT/bin/hive_router"

# Hive Router is needed only when a hive target is measured: `--targets
# ours,baseline` runs without it (and does not install it).
NEEDS_HIVE=1
previous=""
for arg in "$@"; do
    targets=""
    case "$arg" in
        --targets=*) targets="${arg#--targets=}" ;;
        *) [ "$previous" = "--targets" ] && targets="$arg" ;;
    esac
    if [ -n "$targets" ]; then
        case ",$targets," in
            *,hive,* | *,hive-nodedupe,*) NEEDS_HIVE=1 ;;
            *) NEEDS_HIVE=0 ;;
        esac
    fi
    previous="$arg"
done

if [ "$NEEDS_HIVE" = 1 ] && [ ! -x "$HIVE_BIN" ]; then
    echo "==> installing hive-router $HIVE_ROUTER_VERSION into $HIVE_ROOT (once; about 40 minutes on 2 cores)"
    # Newer releases need a newer rustc than this project's; `graphiql`
    # skips a build step that downloads a web page.
    cargo install "hive-router@$HIVE_ROUTER_VERSION" --locked --features graphiql \
        --root "$HIVE_ROOT"
fi

if [ -n "${CONGDAN_BIN:-}" ]; then
    echo "==> building congdan-bench (release); measuring $CONGDAN_BIN"
    cargo build --release -p congdan-bench
else
    echo "==> building congdan and congdan-bench (release)"
    cargo build --release -p congdan -p congdan-bench
    CONGDAN_BIN="$TARGET/release/congdan"
fi

exec "$TARGET/release/congdan-bench" \
    --congdan "$CONGDAN_BIN" \
    --hive-router "$HIVE_BIN" \
    --hive-router-version "$HIVE_ROUTER_VERSION" \
    "$@"
