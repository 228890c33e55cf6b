#!/usr/bin/env bash
# Build teachflow's in-browser graph renderer into two self-contained ES modules, shipped in the
# wheel and checked in (a clean clone and `pip install` need no npm):
#   teachflow/viz/static/graphviz_engine.js  Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz,
#                                            its WASM inlined), sent to the page once per kernel
#   teachflow/viz/static/graph_widget.js     the small per-graph widget (layout, restyle by id)
# Re-run after changing frontend/ or its pinned versions:  bash tools/build_frontend.sh
set -euo pipefail
cd "$(dirname "$0")/../frontend"
npm ci --no-audit --no-fund
for name in graphviz_engine graph_widget; do
  out=../teachflow/viz/static/$name.js
  npx esbuild "src/$name.js" --bundle --format=esm --minify --target=es2020 \
    --legal-comments=none --outfile="$out"
  echo "built $(realpath --relative-to=.. "$out"): $(stat -c %s "$out") bytes"
done
