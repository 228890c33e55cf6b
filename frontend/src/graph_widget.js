// teachflow's in-browser graph renderer: an anywidget module (the ESM contract: a default export
// with render({model, el})), so it runs in JupyterLab, Notebook 7 and VS Code alike.
//
// Python (teachflow/viz/browser.py) sends the DOT text; Graphviz compiled to WebAssembly (the
// page's one instance, from graphviz_engine.js: the hidden engine widget named by `engine`) lays
// it out here, the SVG is shown, and sent back once as `laid_out` so Python can save it and
// restyle it. Highlighting then only changes colours by element id (`styles`, `default_style`),
// with the same rules as teachflow/viz/restyle.py's Restyler: no new layout per step.
import { slot } from "./shared.js";

const WAIT_MS = 60000;

// The page's Graphviz: make sure the engine widget's model (and so its module) is loaded, then
// wait for the instance it provides.
async function engine(model) {
  const ref = model.get("engine");
  const id = typeof ref === "string" ? ref.replace(/^IPY_MODEL_/, "") : ref && ref.model_id;
  if (id && model.widget_manager) {
    try {
      await model.widget_manager.get_model(id);
    } catch (e) {
      // not registered yet (a page restoring a kernel's widgets): its module provides the slot
    }
  }
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("the Graphviz engine did not load (re-run the cell)")), WAIT_MS);
  });
  try {
    return await Promise.race([slot().promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const SHAPES = new Set(["polygon", "ellipse", "path", "polyline"]);

// The shapes whose fill/stroke a style changes: a node's shapes before its first text (a label's
// table cells come after it), every shape of an edge or cluster; only shapes that carry both a
// fill and a stroke attribute (as the Python Restyler's pattern requires).
function shapesOf(g, cls) {
  const out = [];
  for (const el of g.querySelectorAll("*")) {
    const tag = el.localName;
    if (cls === "node" && tag === "text") break;
    if (SHAPES.has(tag) && el.hasAttribute("fill") && el.hasAttribute("stroke")) out.push(el);
  }
  return out;
}

// Mirror of Restyler._text: what one style does to one element's shapes.
function applyStyle(g, cls, st) {
  if ("opacity" in st) g.setAttribute("opacity", st.opacity);
  for (const s of shapesOf(g, cls)) {
    const fill = s.getAttribute("fill"), stroke = s.getAttribute("stroke");
    const newStroke = stroke !== "none" && "stroke" in st ? st.stroke : stroke;
    let newFill = fill;
    if (cls === "node") {
      if (fill !== "none" && fill !== "transparent" && "fill" in st) newFill = st.fill;
    } else if (cls === "edge") {   // arrowheads are filled with the line colour
      if (fill !== "none") newFill = newStroke;
    }
    s.setAttribute("fill", newFill);
    s.setAttribute("stroke", newStroke);
    if ("stroke-width" in st) s.setAttribute("stroke-width", st["stroke-width"]);
  }
}

function restyle(svg, styles, fallback) {
  const hasDefault = fallback && Object.keys(fallback).length > 0;
  for (const g of svg.querySelectorAll("g.node, g.edge, g.cluster")) {
    const cls = g.classList.contains("node") ? "node" : g.classList.contains("edge") ? "edge" : "cluster";
    const st = styles[g.id];
    if (st) applyStyle(g, cls, st);
    else if (hasDefault && cls !== "cluster") applyStyle(g, cls, fallback);
  }
}

function render({ model, el }) {
  el.classList.add("tf-graph");
  const box = document.createElement("div");
  box.className = "tf-graph-svg";
  el.appendChild(box);
  let pristine = null;     // the laid-out <svg> element, never restyled (cloned for each picture)
  let pristineKey = null;
  let alive = true;
  const layouts = new Map();   // key -> laid-out <svg>: toggling between pictures lays out once each

  function paint() {
    if (!pristine) return;
    const svg = pristine.cloneNode(true);
    restyle(svg, model.get("styles") || {}, model.get("default_style") || {});
    box.replaceChildren(svg);
  }

  function size() {
    const h = model.get("max_height");
    box.style.maxHeight = h ? `${h}px` : "";
    box.style.overflow = h ? "auto" : "";
  }

  async function layout() {
    const dot = model.get("dot"), key = model.get("key");
    if (!dot) {
      pristine = pristineKey = null;
      box.replaceChildren();
      return;
    }
    if (key === pristineKey) return paint();
    if (layouts.has(key)) {
      pristine = layouts.get(key);
      pristineKey = key;
      return paint();
    }
    let text;
    try {
      const gv = await engine(model);
      text = gv.dot(dot, "svg");
    } catch (e) {
      if (!alive) return;
      box.textContent = `teachflow could not lay out this graph in the browser: ${e}`;
      model.set("error", String(e && e.message ? e.message : e));
      model.save_changes();
      return;
    }
    if (!alive || model.get("key") !== key) return;   // another graph was asked for meanwhile
    text = text.slice(Math.max(0, text.indexOf("<svg")));
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    pristine = document.importNode(doc.documentElement, true);
    pristineKey = key;
    layouts.set(key, pristine);
    paint();
    const sent = model.get("laid_out") || {};
    if (sent.key !== key) {            // Python keeps it: save("g.svg"), restyled copies
      model.set("laid_out", { key, svg: text });
      model.set("error", "");
      model.save_changes();
    }
  }

  const onDot = () => { layout(); };
  const onStyle = () => paint();
  model.on("change:dot", onDot);
  model.on("change:styles", onStyle);
  model.on("change:default_style", onStyle);
  model.on("change:max_height", size);
  size();
  layout();
  return () => {
    alive = false;
    model.off("change:dot", onDot);
    model.off("change:styles", onStyle);
    model.off("change:default_style", onStyle);
    model.off("change:max_height", size);
  };
}

export default { render };
