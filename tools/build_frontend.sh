#!/usr/bin/env bash
# Build teachflow's in-browser graph renderer: frontend/src/graph_widget.js plus Graphviz compiled
# to WebAssembly (@hpcc-js/wasm-graphviz, its WASM inlined) -> one ES module,
# teachflow/viz/static/graph_widget.js, shipped in the wheel and checked in (a clean clone and
# `pip install` need no npm). Re-run after changing frontend/ or its pinned versions:
#   bash tools/build_frontend.sh
set -euo pipefail
cd "$(dirname "$0")/../frontend"
npm ci --no-audit --no-fund
out=../teachflow/viz/static/graph_widget.js
npx esbuild src/graph_widget.js --bundle --format=esm --minify --target=es2020 \
  --legal-comments=none --outfile="$out"
echo "built $(realpath --relative-to=.. "$out"): $(stat -c %s "$out") bytes"
