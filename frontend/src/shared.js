// The one Graphviz-WASM instance of the page, shared by every graph widget of every notebook:
// graphviz_engine.js (loaded once per kernel, as a hidden widget) provides it, graph_widget.js
// (one small module per graph) waits for it.
const KEY = "__teachflowGraphviz_1_29_2";

export function slot() {
  if (!globalThis[KEY]) {
    let provide;
    const promise = new Promise((resolve) => { provide = resolve; });
    globalThis[KEY] = { promise, provide };
  }
  return globalThis[KEY];
}
