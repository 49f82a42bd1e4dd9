#!/usr/bin/env bash
# Runs Microsoft's official Python SDK quickstart against the ACS emulator.
#
#   conformance/run.sh            # venv in conformance/.venv (reused when present)
#   VENV=/tmp/acs-venv conformance/run.sh
#
# Creates a venv, installs azure-communication-chat==1.2.0 and azure-communication-identity==1.5.0,
# builds and starts `acs-emulator --port 0`, reads its endpoint and access key from its
# output, runs python/quickstart.py, stops the emulator, and exits non-zero on any failure.
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

echo "building acs-emulator"
cargo build --quiet --manifest-path "$root/Cargo.toml" -p chat-testkit --bin acs-emulator
target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
    | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

log="$(mktemp)"
"$target_dir/debug/acs-emulator" --port 0 >"$log" 2>&1 &
emulator_pid=$!
stop() {
    if kill -0 "$emulator_pid" 2>/dev/null; then
        kill -INT "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap stop EXIT

endpoint=""
for _ in $(seq 1 100); do
    endpoint="$(sed -n 's/^listening on //p' "$log")"
    [ -n "$endpoint" ] && grep -q '^connection string: ' "$log" && break
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "acs-emulator exited early:"; cat "$log"; exit 1
    fi
    sleep 0.1
done
if [ -z "$endpoint" ]; then
    echo "acs-emulator did not report its endpoint:"; cat "$log"; exit 1
fi
access_key="$(sed -n 's/^connection string: .*accesskey=//p' "$log")"
echo "emulator at $endpoint"

"$venv/bin/python" "$here/python/quickstart.py" "$endpoint" "$access_key"
