"""From a wheel, as a teacher gets it with ``pip install teachflow``: the wheel carries the course
and the in-browser renderer's script, ``python -m teachflow lessons DIR`` produces the course, and
nbval passes on a copied lesson in DIR. The wheel is built from a copy of the sources (nothing is
written into the repository) and installed with ``--no-deps --target`` into a temporary folder;
the dependencies come from this environment."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from teachflow.core import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "teachflow", "lessons")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info", ".pytest_cache")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=junk)
        else:
            shutil.copy2(path, src / name)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (whl,) = (base / "dist").glob("teachflow-*.whl")
    return whl


def test_the_wheel_carries_the_course_and_the_renderer(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb"))
    assert lessons and {f"teachflow/course/{n}" for n in lessons} <= names
    assert {"teachflow/course/README.md", "teachflow/course/sanitize.cfg", "teachflow/course/conftest.py",
            "teachflow/viz/static/graph_widget.js", "teachflow/viz/static/graphviz_engine.js",
            "teachflow/__main__.py", "teachflow/locale/zh/LC_MESSAGES/teachflow.po",
            "teachflow/locale/zh/LC_MESSAGES/teachflow.mo"} <= names
    assert not any(n.startswith("teachflow/course/src/") for n in names)
    zh = sorted(p.name for p in (ROOT / "lessons" / "zh").glob("*.ipynb"))
    assert zh and {f"teachflow/course/zh/{n}" for n in zh} | {"teachflow/course/00_START.ipynb"} <= names
    assert not any(n.startswith("teachflow/course/zh/po/") for n in names)   # catalogues: authoring only
    with zipfile.ZipFile(wheel) as z:     # the build compiled the catalogue from the .po it ships
        po, mo = (z.read(f"teachflow/locale/zh/LC_MESSAGES/teachflow.{x}") for x in ("po", "mo"))
    assert po == (ROOT / "teachflow/locale/zh/LC_MESSAGES/teachflow.po").read_bytes()
    assert mo == i18n.compile_catalogue(ROOT / "teachflow/locale/zh/LC_MESSAGES/teachflow.po")
    size = wheel.stat().st_size
    print(f"wheel {wheel.name}: {size / 1e6:.2f} MB")
    assert size < 5_000_000, f"the wheel should stay small, it is {size / 1e6:.1f} MB"


def test_lessons_from_the_installed_wheel_pass_nbval(wheel, tmp_path):
    target, course = tmp_path / "site", tmp_path / "my course"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TEACHFLOW_RENDERER")}
    env["PYTHONPATH"] = str(target)        # the installed wheel, never the repository's sources

    def run(*args, cwd):
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env,
                              timeout=600, stdin=subprocess.DEVNULL)

    where = run("-c", "import teachflow, teachflow.course as c; print(teachflow.__file__); print(c.source_dir())",
                cwd=tmp_path)
    assert where.returncode == 0, where.stderr[-2000:]
    assert where.stdout.split() == [str(target / "teachflow" / "__init__.py"), str(target / "teachflow" / "course")]

    made = run("-m", "teachflow", "lessons", str(course), "--no-open", cwd=tmp_path)
    assert made.returncode == 0, made.stderr[-3000:]
    assert "0 edited file(s) replaced" in made.stdout and "jupyter lab" in made.stdout
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("*.ipynb"))
    assert sorted(p.name for p in course.glob("*.ipynb")) == lessons
    for name in lessons + ["README.md", "sanitize.cfg"]:
        assert (course / name).read_bytes() == (ROOT / "lessons" / name).read_bytes(), name

    # as drawn by dot (the stored outputs), and as on a laptop without it: the browser draws
    for renderer in ("auto", "browser"):
        env["TEACHFLOW_RENDERER"] = renderer
        checked = run("-m", "pytest", "-q", "--nbval", "-p", "no:cacheprovider", "01_graphs_and_sessions.ipynb",
                      cwd=course)
        assert checked.returncode == 0, renderer + checked.stdout[-4000:] + checked.stderr[-2000:]
        assert " passed" in checked.stdout
