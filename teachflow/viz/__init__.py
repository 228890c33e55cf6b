"""``teachflow.viz``: computation graphs drawn with Graphviz, as a teacher would draw them.

``draw(graph_or_tensors, view="all", collapse="auto", devices=False, legend=None, ...)`` returns a
GraphView that shows itself in Jupyter, and has ``.source`` (DOT), ``.svg()``, ``.save(path)``,
``.highlight({...})`` (re-colour without a new layout) and ``.annotate(values=, grads=)``.
Without Graphviz's ``dot`` the notebook page lays graphs out itself (Graphviz compiled to
WebAssembly, shipped in the package); ``set_renderer("browser" | "dot" | "auto")`` chooses.
"""
from ..core.graph import register_display
from . import fonts  # noqa: F401  (Chinese: CJK fonts in figures and drawings)
from .calibration_plots import plot_real_vs_simulated
from .render import INSTALL_HINT, GraphvizError, GraphvizNotFound, dot_available, renderer, set_renderer
from .restyle import SVG
from .select import ROLES, VIEWS, roles
from .styles import DEVICE_PALETTE, EDGE_STYLES, HIGHLIGHTS, NODE_STYLES
from .timeline import KIND_COLORS, draw_timeline, plot_timeline
from .training_plots import (STRATEGY_COLORS, plot_loss, plot_losses, plot_scaling, plot_staleness,
                             plot_throughput, staleness_pmf, theory)
from .view import GraphView, draw

register_display(lambda graph, include, exclude: draw(graph)._repr_mimebundle_(include, exclude))

__all__ = ["draw", "GraphView", "SVG", "GraphvizNotFound", "GraphvizError", "INSTALL_HINT",
           "dot_available", "set_renderer", "renderer", "roles", "ROLES", "VIEWS", "NODE_STYLES", "EDGE_STYLES", "HIGHLIGHTS",
           "DEVICE_PALETTE", "plot_timeline", "draw_timeline", "KIND_COLORS", "plot_loss",
           "plot_losses", "plot_staleness", "plot_throughput", "plot_scaling", "theory",
           "staleness_pmf", "STRATEGY_COLORS", "plot_real_vs_simulated"]
