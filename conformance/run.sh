#!/usr/bin/env bash
# Runs Microsoft's official Python SDK quickstart against the ACS emulator, then records it
# through `chat-replay record` and plays it back through `chat-replay serve`.
#
#   conformance/run.sh            # venv in conformance/.venv (reused when present)
#   VENV=/tmp/acs-venv conformance/run.sh
#
# Creates a venv, installs azure-communication-chat==1.2.0 and azure-communication-identity==1.5.0,
# builds acs-emulator and chat-replay, and:
#   1. starts `acs-emulator --port 0`, runs python/quickstart.py against it, stops it;
#   2. starts a fresh emulator and `chat-replay record --upstream <its connection string>`, runs the
#      quickstart through the proxy, stops the proxy (end of input) and the emulator;
#   3. with no emulator running, starts `chat-replay serve` on the recording and runs the quickstart
#      against it, with another access key;
#   4. checks that the recording holds no token or key, that both runs printed the same lines (ids
#      and times included) and that playback answered every request from the recording.
# Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="${VENV:-$here/.venv}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating venv in $venv"
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "azure-communication-chat==1.2.0" "azure-communication-identity==1.5.0"

echo "building acs-emulator and chat-replay"
cargo build --quiet --manifest-path "$root/Cargo.toml" -p chat-testkit --bin acs-emulator --bin chat-replay
target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
    | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bin="$target_dir/debug"

work="$(mktemp -d)"
pids=()
cleanup() {
    if [ -n "${cli_input:-}" ]; then exec {cli_input}>&-; fi
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -INT "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

# Waits until file $2 (the output of process $1) has a `listening on` line; prints the endpoint.
listening() {
    local pid=$1 log=$2 endpoint=""
    for _ in $(seq 1 300); do
        endpoint="$(sed -n 's/^listening on //p' "$log")"
        if [ -n "$endpoint" ]; then
            echo "$endpoint"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "process $pid exited early:" >&2; cat "$log" >&2; return 1
        fi
        sleep 0.1
    done
    echo "no endpoint reported:" >&2; cat "$log" >&2
    return 1
}

# Starts an emulator; sets emulator_pid, emulator_endpoint, emulator_cs, emulator_key.
start_emulator() {
    local log="$work/emulator-$1.log"
    "$bin/acs-emulator" --port 0 >"$log" 2>&1 &
    emulator_pid=$!
    pids+=("$emulator_pid")
    emulator_endpoint="$(listening "$emulator_pid" "$log")"
    for _ in $(seq 1 100); do
        grep -q '^connection string: ' "$log" && break
        sleep 0.1
    done
    emulator_cs="$(sed -n 's/^connection string: //p' "$log")"
    emulator_key="${emulator_cs##*accesskey=}"
}

stop() {
    kill -INT "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Starts `chat-replay <args...>` (output in $work/<name>.out and .err) with its input on a fifo
# that this shell holds open; sets cli_pid, cli_input (the fd) and cli_endpoint.
start_cli() {
    local name=$1
    shift
    mkfifo "$work/$name.in"
    "$bin/chat-replay" "$@" <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.err" &
    cli_pid=$!
    pids+=("$cli_pid")
    exec {cli_input}>"$work/$name.in"
    cli_endpoint="$(listening "$cli_pid" "$work/$name.out")"
}

# Closes the input of the last chat-replay started (the end of input stops it), waits for it and
# prints its report; sets cli_status.
stop_cli() {
    local name=$1
    exec {cli_input}>&-
    unset cli_input
    cli_status=0
    wait "$cli_pid" || cli_status=$?
    tail -n +2 "$work/$name.out"
}

quickstart() {
    "$venv/bin/python" "$here/python/quickstart.py" "$@"
}

echo "== the quickstart against the emulator"
start_emulator direct
echo "emulator at $emulator_endpoint"
quickstart "$emulator_endpoint" "$emulator_key"
stop "$emulator_pid"

echo "== recorded through chat-replay record, the emulator upstream"
start_emulator upstream
recording="$work/python-quickstart.json"
start_cli record record --upstream "$emulator_cs" --out "$recording" --port 0
echo "recording proxy at $cli_endpoint"
quickstart "$cli_endpoint" "$emulator_key" | tee "$work/recorded.txt"
stop_cli record
if [ "$cli_status" -ne 0 ]; then
    echo "the recording proxy failed:" >&2; cat "$work/record.err" >&2; exit 1
fi
stop "$emulator_pid"
if kill -0 "$emulator_pid" 2>/dev/null; then
    echo "the emulator is still running" >&2; exit 1
fi

for secret in "$emulator_key" "HMAC-SHA256" "Bearer "; do
    if grep -qF -- "$secret" "$recording"; then
        echo "the recording holds a secret ($secret)" >&2; exit 1
    fi
done

echo "== played back through chat-replay serve, no emulator running"
start_cli serve serve "$recording" --port 0
echo "playback server at $cli_endpoint"
quickstart "$cli_endpoint" "cGxheWJhY2stYWNjZXNzLWtleQ==" | tee "$work/played.txt"
stop_cli serve
if [ "$cli_status" -ne 0 ]; then
    echo "playback did not follow the recording:" >&2; cat "$work/serve.err" >&2; exit 1
fi
if ! diff -u "$work/recorded.txt" "$work/played.txt"; then
    echo "the played-back run printed other values than the recorded run" >&2; exit 1
fi
echo "record and playback printed the same $(wc -l <"$work/played.txt") lines"
