// Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz, its WASM inlined: nothing is
// fetched), as an anywidget module that is never displayed: Python creates one per kernel
// (teachflow/viz/browser.py, GraphvizEngine), so the ~0.8 MB travel to the page once, not with
// every graph. initialize() starts loading and returns at once (anywidget gives it 2 s).
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { slot } from "./shared.js";

function initialize() {
  const s = slot();
  if (!s.started) {
    s.started = true;
    s.provide(Graphviz.load());
  }
}

export default { initialize };
