#!/usr/bin/env bash
# Builds the release binary and prints the speed and memory figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p mamori --bench serve
cargo bench -p mamori --bench ledger
cargo bench -p mamori --bench checklist
cargo bench -p mamori --bench vuln
