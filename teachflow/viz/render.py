"""Running Graphviz's ``dot`` program, what to say when it is not installed, and which renderer
draws a graph in a notebook.

The program is looked up on the PATH at every call (cheap), so installing Graphviz in a
running notebook, or a test that empties PATH, takes effect at once. Without it, graphs are laid
out in the browser (``browser.py``: Graphviz compiled to WebAssembly, shipped in the package);
``set_renderer("browser")`` asks for that even where ``dot`` is installed.
"""
import os
import shutil
import subprocess

INSTALL_HINT = ("Graphviz's `dot` program is not installed, so this shows the DOT text instead: "
                "install Graphviz (apt install graphviz | brew install graphviz | "
                "conda install -c conda-forge graphviz | choco install graphviz) and re-run the cell.")

SAVE_HINT = ("Graphviz's `dot` program is not installed, so Python cannot lay out this graph: "
             "display it in a notebook first (the browser draws it, and save(\"g.svg\") then writes "
             "that drawing), save it as .dot, or install Graphviz (apt install graphviz | brew install "
             "graphviz | conda install -c conda-forge graphviz | choco install graphviz).")

RENDERERS = ("auto", "dot", "browser")
_chosen = None        # set_renderer's choice; None: the TEACHFLOW_RENDERER variable, else "auto"

FORMATS = ("svg", "png", "pdf")
TIMEOUT = 120  # seconds; a 1,000-op graph takes a few


class GraphvizNotFound(RuntimeError):
    """Graphviz's ``dot`` executable is not on the PATH."""


class GraphvizError(RuntimeError):
    """``dot`` ran but failed (the message holds its error output)."""


def find_dot():
    """The path of the ``dot`` executable, or None."""
    return shutil.which("dot")


def dot_available():
    return find_dot() is not None


def run_dot(source, fmt="svg"):
    """Lay out and render DOT ``source``: the bytes of the ``fmt`` (svg, png, pdf) output."""
    if fmt not in FORMATS:
        raise ValueError(f"Graphviz output format must be one of {FORMATS}, got {fmt!r}")
    exe = find_dot()
    if exe is None:
        raise GraphvizNotFound(INSTALL_HINT)
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise GraphvizNotFound(INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"dot took more than {TIMEOUT} s: fold scopes (collapse=1) to draw "
                            "fewer nodes.") from None
    if done.returncode != 0 or not done.stdout:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise GraphvizError(f"dot failed (exit {done.returncode}): {err}")
    return done.stdout


def set_renderer(name="auto"):
    """Choose who lays out graphs shown in a notebook: "dot" (Graphviz's program, run by Python),
    "browser" (Graphviz compiled to WebAssembly, run by the notebook page) or "auto" (dot when
    installed, else the browser). The default comes from the TEACHFLOW_RENDERER variable."""
    global _chosen
    if name not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, got {name!r}")
    _chosen = name


def chosen_renderer():
    """The renderer asked for: set_renderer's, else TEACHFLOW_RENDERER's, else "auto"."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get("TEACHFLOW_RENDERER", "").strip().lower() or "auto"
    if env not in RENDERERS:
        raise ValueError(f"TEACHFLOW_RENDERER must be one of {RENDERERS}, got {env!r}")
    return env


def renderer():
    """Who draws the next graph: "dot", "browser", or "text" (the DOT text and INSTALL_HINT,
    when dot was asked for but is missing, or the browser renderer cannot load)."""
    name = chosen_renderer()
    if name == "dot" or (name == "auto" and dot_available()):
        return "dot" if dot_available() else "text"
    from .browser import browser_available
    return "browser" if browser_available() else "text"
