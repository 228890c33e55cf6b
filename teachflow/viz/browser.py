"""Graphs laid out in the browser: a small widget that runs Graphviz compiled to WebAssembly.

Where Graphviz's ``dot`` program is missing (a student's laptop, Colab, a locked-down
JupyterHub), ``draw(...)`` shows a ``GraphWidget`` instead: Python sends the same DOT text, the
notebook page lays it out with ``@hpcc-js/wasm-graphviz`` and shows the SVG. The JavaScript and
the WASM ship in the package (built from ``frontend/`` by ``tools/build_frontend.sh``): nothing
is fetched at run time. Graphviz itself (``static/graphviz_engine.js``, ~0.8 MB, WASM inlined)
travels to the page once per kernel, as a hidden ``GraphvizEngine`` widget; each graph is a small
``GraphWidget`` (``static/graph_widget.js``, ~3 kB) that names it. Both follow anywidget's ESM
contract, so they run in JupyterLab, Notebook 7 and VS Code.

Highlighting works without a new layout, as with ``dot``: Python resolves names to element ids
and styles (``GraphView.styles_by_id``), the page re-colours the drawn SVG by id with the same
rules as ``restyle.Restyler``. The page sends its layout back once (``laid_out``); the view keeps
it, so ``save("g.svg")`` and ``highlight()`` work from then on.
"""
import hashlib
import pathlib

from .restyle import SVG

STATIC = pathlib.Path(__file__).with_name("static")
ENGINE_ASSET = STATIC / "graphviz_engine.js"
ASSET = STATIC / "graph_widget.js"
_CSS = ".tf-graph-svg svg{max-width:100%;height:auto}"

_widget_class = None
_load_error = None
_engine = None          # the kernel's one GraphvizEngine widget


def _load():
    """The GraphWidget class (anywidget is imported only when a graph is drawn in the browser)."""
    global _widget_class, _load_error
    if _widget_class is not None or _load_error is not None:
        return _widget_class
    try:
        import anywidget
        import ipywidgets
        import traitlets as t
    except ImportError as e:
        _load_error = (f"the in-browser graph renderer needs the anywidget package ({e}): "
                       "pip install anywidget")
        return None
    missing = [p for p in (ENGINE_ASSET, ASSET) if not p.is_file()]
    if missing:
        _load_error = (f"the in-browser graph renderer's script {missing[0]} is missing: reinstall "
                       "teachflow, or run tools/build_frontend.sh in a clone")
        return None

    class GraphvizEngine(anywidget.AnyWidget):
        """Graphviz compiled to WebAssembly, loaded by the page once for every graph widget;
        never displayed."""
        _esm = ENGINE_ASSET

    class GraphWidget(anywidget.AnyWidget):
        """One graph laid out by the page: ``dot`` in; ``styles`` ({element id: SVG attributes})
        and ``default_style`` re-colour it; ``laid_out`` ({"key", "svg"}) comes back once drawn;
        ``error`` says why the page could not lay it out."""
        _esm = ASSET
        _css = _CSS
        engine = t.Instance(GraphvizEngine).tag(sync=True, **ipywidgets.widget_serialization)
        dot = t.Unicode("").tag(sync=True)
        key = t.Unicode("").tag(sync=True)
        styles = t.Dict().tag(sync=True)
        default_style = t.Dict().tag(sync=True)
        max_height = t.Int(0).tag(sync=True)
        laid_out = t.Dict().tag(sync=True)
        error = t.Unicode("").tag(sync=True)

        def __init__(self, **traits):
            super().__init__(engine=_engine_widget(GraphvizEngine), **traits)

        def show(self, dot, styles=None, default_style=None):
            """Draw ``dot`` (laid out anew only when the text changed) in these colours."""
            with self.hold_sync():
                self.dot, self.key = dot, key_of(dot)
                self.styles = styles or {}
                self.default_style = default_style or {}

        def svg_for(self, dot):
            """The SVG the page laid out for ``dot``, or None (not drawn yet, or another graph)."""
            got = self.laid_out or {}
            return got.get("svg") if got.get("key") == key_of(dot) and got.get("svg") else None

    _widget_class = GraphWidget
    return _widget_class


def _engine_widget(cls):
    """The kernel's GraphvizEngine (made with the first graph; closed widgets are replaced)."""
    global _engine
    if _engine is None or _engine.comm is None:
        _engine = cls()
    return _engine


def key_of(dot):
    """A short fingerprint of a DOT text: the page echoes it with its layout, so a layout is
    never mistaken for another graph's."""
    return hashlib.sha256(dot.encode("utf-8")).hexdigest()[:16]


def browser_available():
    """True when graphs can be laid out in the browser (anywidget and the shipped script)."""
    return _load() is not None


def unavailable_reason():
    """Why the browser renderer cannot load (None when it can)."""
    _load()
    return _load_error


def GraphWidget(**traits):
    """A new graph widget (see ``_load``); raises ImportError naming the fix when unavailable."""
    cls = _load()
    if cls is None:
        raise ImportError(_load_error)
    return cls(**traits)


def asset_size():
    """Bytes of the shipped scripts (JavaScript and WASM), for ``python -m teachflow doctor``."""
    return sum(p.stat().st_size for p in (ENGINE_ASSET, ASSET) if p.is_file())


def pending_svg(message):
    """A small SVG that says a drawing is in the browser (where Python has no layout of it)."""
    from .labels import html
    lines = [html(message), "(Graphviz's dot is not installed: the page lays graphs out)"]
    texts = "".join(f'<text x="8" y="{20 + 18 * i}" font-family="sans-serif" font-size="13" '
                    f'fill="#555555">{line}</text>' for i, line in enumerate(lines))
    return SVG(f'<svg xmlns="http://www.w3.org/2000/svg" width="460" height="{16 + 18 * len(lines)}">'
               f'{texts}</svg>')
