#!/usr/bin/env bash
# Runs every benchmark, then prints the README's tables.
# Usage: bash benches/run.sh   (from the workspace root; about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p metrics-benches --bench overhead --bench encoding --bench http_layer
cargo bench -p metrics-benches --features disabled --bench disabled
cargo run -p metrics-benches --release --quiet --bin report
