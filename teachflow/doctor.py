"""``python -m teachflow doctor``: what this machine has for the course, and the fix for what is
missing. Each check is a plain function returning a ``Check``, so tests drive them one by one.

Checked: how graphs are drawn (Graphviz's ``dot``, or the in-browser renderer), JupyterLab and
ipywidgets (the lessons' widgets), the MNIST / Fashion-MNIST files (optional: the lessons use the
digits shipped with scikit-learn), fonts (the graphs' and the plots'), and what sets the speed
(the BLAS library and its kernel, threads, memory).
"""
import importlib.metadata
import importlib.util
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

GRAPHVIZ_FIX = ("install Graphviz: apt install graphviz | brew install graphviz | "
                "conda install -c conda-forge graphviz | choco install graphviz")


@dataclass
class Check:
    """One line of the report. ``ok``: True, False, or None for an optional extra that is
    missing; ``fix``: what to do (empty when nothing is needed)."""
    name: str
    ok: object
    found: str
    fix: str = ""

    def lines(self):
        mark = {True: "ok  ", False: "FIX ", None: "--  "}[self.ok]
        out = [f"{mark}{self.name:<11} {self.found}"]
        if self.fix:
            out.append(f"{'':16}-> {self.fix}")
        return out


def version(dist):
    """The installed version of distribution ``dist``, or None."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _major(v):
    try:
        return int(v.split(".")[0])
    except (ValueError, AttributeError):
        return 0


def check_graphs():
    from .viz import browser, render
    exe = render.find_dot()
    if exe is not None:
        try:
            done = subprocess.run([exe, "-V"], capture_output=True, timeout=20, check=False)
            said = (done.stderr or done.stdout).decode("utf-8", "replace").strip() or "no version"
        except (OSError, subprocess.TimeoutExpired) as e:
            said = f"did not answer ({e})"
        chosen = render.chosen_renderer()
        how = "" if chosen == "auto" else f"; renderer chosen: {chosen}"
        return Check("graphs", True, f"Graphviz dot at {exe} ({said}){how}")
    if browser.browser_available():
        return Check("graphs", True,
                     f"no Graphviz dot: the notebook page lays graphs out (Graphviz-WASM, "
                     f"{browser.asset_size() / 1e6:.1f} MB script, anywidget {version('anywidget')})",
                     "optional, to save graphs as PNG/PDF or draw them outside a notebook: " + GRAPHVIZ_FIX)
    return Check("graphs", False, f"no Graphviz dot, and {browser.unavailable_reason()}",
                 "pip install anywidget (graphs drawn in the browser), or " + GRAPHVIZ_FIX)


def check_jupyterlab():
    lab, nb = version("jupyterlab"), version("notebook")
    if lab is None:
        also = f" (Jupyter Notebook {nb} is: open the lessons with `jupyter notebook`)" if nb else ""
        return Check("JupyterLab", False, "not installed" + also,
                     'pip install "teachflow[lessons]"   (or: pip install jupyterlab)')
    if _major(lab) < 4:
        return Check("JupyterLab", False, f"{lab} (the lessons need 4 or later)", 'pip install -U "jupyterlab>=4"')
    return Check("JupyterLab", True, lab + (f"; Jupyter Notebook {nb}" if nb else ""))


def check_widgets():
    w, front = version("ipywidgets"), version("jupyterlab_widgets")
    if w is None:
        return Check("ipywidgets", False, "not installed", 'pip install "ipywidgets>=8"')
    if _major(w) < 8:
        return Check("ipywidgets", False, f"{w} (teachflow's widgets need 8 or later)", 'pip install -U "ipywidgets>=8"')
    if front is None:
        return Check("ipywidgets", False, f"{w}, but not its JupyterLab front-end (jupyterlab_widgets)",
                     "pip install jupyterlab_widgets")
    return Check("ipywidgets", True, f"{w} (JupyterLab front-end {front})")


def _dataset_files(spec):
    """Where ``spec``'s files are (its cache folder, then the system folders), or None."""
    from .datasets import mnist
    from .datasets._files import data_home
    for folder in [data_home(spec.name)] + [Path(d) for d in spec.system_dirs]:
        if (folder / spec.npz_name).is_file() or all(mnist._find_idx(folder, n) for n in mnist.IDX_FILES):
            return folder
    return None


def check_mnist():
    from .datasets import mnist
    from .datasets._files import data_home
    found, missing = [], []
    for spec in (mnist.MNIST, mnist.FASHION_MNIST):
        folder = _dataset_files(spec)
        (found if folder else missing).append(f"{spec.title} in {folder}" if folder else spec.title)
    text = "; ".join(found + [f"{m} not found" for m in missing])
    if not missing:
        return Check("MNIST", True, text)
    return Check("MNIST", None, text + " (optional: the lessons use the digits shipped with scikit-learn)",
                 f"put the four IDX files (or {mnist.MNIST.npz_name}) in {data_home(mnist.MNIST.name)}, or run "
                 "teachflow.datasets.mnist.load_mnist() once online; Fashion-MNIST: apt install dataset-fashion-mnist")


def check_fonts():
    from .viz.styles import FONT
    parts, fix, ok = [], "", True
    if shutil.which("fc-match"):
        try:
            done = subprocess.run(["fc-match", "-f", "%{family[0]}", FONT], capture_output=True,
                                  timeout=20, check=False)
            parts.append(f"graphs' {FONT} drawn as {done.stdout.decode('utf-8', 'replace').strip() or '?'}")
        except (OSError, subprocess.TimeoutExpired):
            parts.append(f"graphs' {FONT}: fc-match did not answer")
    else:
        parts.append(f"graphs' {FONT}: the browser's (or Graphviz's) nearest sans-serif")
    try:
        from matplotlib import font_manager, rcParams
        from .viz import fonts
        family = rcParams["font.sans-serif"][0] if rcParams["font.family"] == ["sans-serif"] else rcParams["font.family"][0]
        path = font_manager.findfont(font_manager.FontProperties(family=rcParams["font.family"]),
                                     fallback_to_default=True)
        parts.append(f"plots in {Path(path).stem} (asked: {family})")
        cjk = fonts.cjk_font()
        if cjk:
            parts.append(f"Chinese text (set_language('zh')): {cjk}")
        else:
            parts.append("no font for Chinese text (set_language('zh') would show empty boxes)")
            fix = "only for the Chinese edition: " + fonts.FIX
            ok = None
    except ImportError:
        return Check("fonts", False, "; ".join(parts) + "; matplotlib is not installed", "pip install matplotlib")
    return Check("fonts", ok, "; ".join(parts), fix)


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:  # not Linux, or no /proc: no flags known (the check then names no ISA)
        return set()
    return set()  # no "flags" line


def check_speed():
    """The BLAS library NumPy uses and the kernel it chose for this CPU, and how teachflow uses
    the cores and memory (``core/threads.py``, ``core/memory.py``). Informational: it never
    needs a fix, but it explains a slow machine."""
    import os
    from threadpoolctl import threadpool_info
    import teachflow
    teachflow.Session().close()  # the first session applies teachflow's thread and memory policy
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    parts = [", ".join(f"{i.get('internal_api')} {i.get('version') or ''} "
                       f"{i.get('architecture') or '?'} kernel".replace("  ", " ") for i in blas)
             or "no BLAS library found"]
    parts.append(teachflow.config.threading.describe())
    fix = ""
    kernels = " ".join(str(i.get("architecture")) for i in blas)
    if "avx512f" in _cpu_flags() and any(k in kernels for k in ("Haswell", "Zen", "Sandybridge")):
        how = ("OPENBLAS_CORETYPE=" + os.environ["OPENBLAS_CORETYPE"] + " in the environment"
               if os.environ.get("OPENBLAS_CORETYPE") else "the BLAS library")
        fix = (f"this CPU has AVX-512 but {how} chose AVX2 kernels: products run about half as "
               "fast (keep the setting if it was made to avoid an older OpenBLAS's bug)")
    return Check("speed", True, "; ".join(parts), fix)


CHECKS = (check_graphs, check_jupyterlab, check_widgets, check_mnist, check_fonts, check_speed)


def run(say=print):
    """Print the report; returns 0 when the course can run here, 1 when something needs fixing."""
    import teachflow
    say(f"teachflow {teachflow.__version__}: what this machine has for the course")
    results = []
    for check in CHECKS:
        try:
            results.append(check())
        except Exception as e:    # a broken check must not hide the others
            results.append(Check(check.__name__.replace("check_", ""), False, f"could not check: {e!r}"))
    for r in results:
        for line in r.lines():
            say(line)
    bad = [r.name for r in results if r.ok is False]
    say("Everything the course needs is here." if not bad else f"To fix: {', '.join(bad)} (see the arrows above).")
    return 1 if bad else 0
