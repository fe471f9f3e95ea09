# Helpers for the end-to-end suites (scripts/e2e/*/run) and the benchmarks (scripts/bench/*). Source it, then cd:
#   source "$(dirname "$0")/../../lib.sh"; cd "$TESSERA_ROOT"
# It owns the EXIT trap: register what to undo with work_dir, start_bg (or track_pid) and on_exit, never with trap.
# See scripts/README.md.

TESSERA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESSERA_VENV="$TESSERA_ROOT/.venv"
TESSERA_WAIT_SECONDS=${TESSERA_WAIT_SECONDS:-60}
_EXIT_PIDS=()
_EXIT_COMMANDS=()
_EXIT_PATHS=()

# tessera_build [--release] [PRODUCT...]: makes the binaries available (default product: tessera) and sets
# TESSERA_BIN_DIR (exported, absolute) and TESSERA (the tessera binary). With TESSERA_BIN_DIR already set, uses the
# binaries there and builds nothing; otherwise builds each product once (`swift build`, debug or release).
tessera_build() {
    local config=debug products=() product
    if [ "${1:-}" = --release ]; then config=release; shift; fi
    products=("${@:-tessera}")
    if [ -z "${TESSERA_BIN_DIR:-}" ]; then
        for product in "${products[@]}"; do
            swift build -c "$config" --product "$product" >/dev/null 2>&1 \
                || swift build -c "$config" --product "$product" >&2 || return 1
        done
        TESSERA_BIN_DIR="$TESSERA_ROOT/.build/$config"
    fi
    TESSERA_BIN_DIR=$(cd "$TESSERA_BIN_DIR" && pwd -P)   # resolved: /proc/PID/exe shows the real path
    for product in "${products[@]}"; do
        [ -x "$TESSERA_BIN_DIR/$product" ] || { echo "error: $TESSERA_BIN_DIR/$product is missing" >&2; return 1; }
    done
    export TESSERA_BIN_DIR
    TESSERA="$TESSERA_BIN_DIR/tessera"
}

# free_port: prints a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# work_dir NAME: creates /tmp/tessera-NAME.XXXXXX, removed on exit, and stores its path in WORK.
work_dir() {
    WORK=$(mktemp -d "/tmp/tessera-$1.XXXXXX")
    _EXIT_PATHS+=("$WORK")
}

# track_pid PID: the process is stopped on exit (TERM, then KILL after 5 s).
track_pid() { _EXIT_PIDS+=("$1"); }

# on_exit COMMAND: run COMMAND (a string, eval'd) on exit, after the tracked processes are stopped and before the
# work folders are removed; several run in the order they were registered.
on_exit() { _EXIT_COMMANDS+=("$1"); }

# start_bg LOG COMMAND...: starts COMMAND in the background with its output appended to LOG, tracks it, and stores
# its pid in BG_PID.
start_bg() {
    local log=$1; shift
    "$@" >>"$log" 2>&1 &
    BG_PID=$!
    track_pid "$BG_PID"
}

# start_tessera_dev PORT DATA_DIR LOG [ARGS...]: starts `tessera dev` (tessera_build first) on 127.0.0.1:PORT with
# its data in DATA_DIR and extra ARGS, logging to LOG; waits for /healthz; stores its pid in TESSERA_PID.
start_tessera_dev() {
    local port=$1 data=$2 log=$3; shift 3
    start_bg "$log" "$TESSERA" dev --port "$port" --data-dir "$data" "$@"
    TESSERA_PID=$BG_PID
    wait_healthz "http://127.0.0.1:$port/healthz" "$log"
}

# wait_healthz URL [LOG]: waits until URL answers 2xx, at most TESSERA_WAIT_SECONDS (60). On timeout prints an
# error with the last lines of LOG and returns 1 (which stops a `set -e` script).
wait_healthz() { _wait_url -f "$@"; }

# wait_listening URL [LOG]: like wait_healthz, but any HTTP answer will do (for endpoints that refuse a bare GET).
wait_listening() { _wait_url "" "$@"; }

_wait_url() {
    local fail_flag=$1 url=$2 log=${3:-} deadline=$((SECONDS + TESSERA_WAIT_SECONDS))
    while [ "$SECONDS" -lt "$deadline" ]; do
        curl -sS $fail_flag -m 2 -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "error: $url did not answer within $TESSERA_WAIT_SECONDS s" >&2
    if [ -n "$log" ] && [ -f "$log" ]; then echo "--- last lines of $log:" >&2; tail -n 20 "$log" >&2; fi
    return 1
}

# stop_pid PID...: stops processes now (TERM, waits for them) and ignores ones already gone.
stop_pid() {
    local pid
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# cpu_ticks PID: the process's CPU time so far (all threads, utime + stime), in clock ticks (getconf CLK_TCK).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# thread_switches PID: context switches of the process so far (every thread, voluntary and not); each hand-off of work
# between threads costs two.
thread_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n}'; }

# perf_start PID / perf_stop: with PERF_OUT=FILE, a `perf record -g` of the process between the two (PERF_ARGS adds
# options, e.g. "-e sched:sched_switch"); nothing without PERF_OUT.
perf_start() {
    [ -n "${PERF_OUT:-}" ] || return 0
    perf record -g ${PERF_ARGS:-} -p "$1" -o "$PERF_OUT" >/dev/null 2>&1 &
    _PERF_PID=$!
    sleep 0.5
}
perf_stop() {
    [ -n "${_PERF_PID:-}" ] || return 0
    kill -INT "$_PERF_PID"
    wait "$_PERF_PID" || true
    _PERF_PID=
}

# venv_python: prints the path of the python of the one venv (.venv at the repository root), creating it with a
# Python >= 3.12 and installing scripts/requirements.txt when the venv is missing or the file changed since (its
# SHA-256 is kept in .venv/requirements.sha256). The venv's other tools (bao, detect-secrets) are in
# "$TESSERA_VENV/bin".
venv_python() {
    local requirements="$TESSERA_ROOT/scripts/requirements.txt" stamp="$TESSERA_VENV/requirements.sha256" hash python
    if [ -x "$TESSERA_VENV/bin/python" ] \
        && ! "$TESSERA_VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        echo "recreating $TESSERA_VENV (its Python is older than 3.12)" >&2
        rm -rf "$TESSERA_VENV"
    fi
    if [ ! -x "$TESSERA_VENV/bin/python" ]; then
        python=$(_python312) || { echo "error: the venv needs Python >= 3.12 (scripts/test-prerequisites)" >&2; return 1; }
        "$python" -m venv "$TESSERA_VENV" >&2 || return 1
    fi
    hash=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$hash" ]; then
        echo "installing scripts/requirements.txt into $TESSERA_VENV" >&2
        "$TESSERA_VENV/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2 || return 1
        echo "$hash" >"$stamp"
    fi
    echo "$TESSERA_VENV/bin/python"
}

# need_command COMMAND [PACKAGE]: installs the Debian package (default: the command's name) with apt-get when COMMAND is
# missing (as root or with passwordless sudo); otherwise says what to run and fails.
need_command() {
    local command=$1 package=${2:-$1} sudo=""
    command -v "$command" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=sudo; else sudo=none; fi
    fi
    if [ "$sudo" = none ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "error: $command is required: sudo apt-get install -y $package" >&2
        return 1
    fi
    echo "installing $package (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null
}

# The first Python >= 3.12 found (pyenv shims that exist but have no such version are skipped).
_python312() {
    local candidate
    for candidate in python3.13 python3.12 python3 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 \
        /root/.pyenv/versions/3.1[2-9]*/bin/python3; do
        { command -v "$candidate" || [ -x "$candidate" ]; } >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# The one EXIT trap: stop tracked processes, run on_exit commands, remove work folders. Keeps the exit status.
_on_exit() {
    local status=$? pid command path waited=0
    set +e
    for pid in "${_EXIT_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${_EXIT_PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for command in "${_EXIT_COMMANDS[@]}"; do eval "$command"; done
    for path in "${_EXIT_PATHS[@]}"; do rm -rf "$path"; done
    exit "$status"
}
trap _on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
