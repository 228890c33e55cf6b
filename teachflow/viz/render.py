"""Running Graphviz's ``dot`` program, and what to say when it is not installed.

The program is looked up on the PATH at every call (cheap), so installing Graphviz in a
running notebook, or a test that empties PATH, takes effect at once.
"""
import shutil
import subprocess

INSTALL_HINT = ("Graphviz's `dot` program is not installed, so this shows the DOT text instead: "
                "install Graphviz (apt install graphviz | brew install graphviz | "
                "conda install -c conda-forge graphviz | choco install graphviz) and re-run the cell.")

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
