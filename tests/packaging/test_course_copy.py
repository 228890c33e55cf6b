"""The course copied into a student's folder: everything a lesson needs arrives, and a lesson the
student changed is never overwritten unless they agree (or pass --force)."""
import json
import subprocess
import sys

import pytest

from teachflow import course
from teachflow.__main__ import main

ROOT = course.source_dir().parent


@pytest.fixture
def source(tmp_path):
    """A small course of our own (so an update of the course can be simulated)."""
    src = tmp_path / "course"
    (src / "src").mkdir(parents=True)
    (src / "data").mkdir()
    (src / "01_a.ipynb").write_text('{"cells": [1]}')
    (src / "02_b.ipynb").write_text('{"cells": [2]}')
    (src / "README.md").write_text("# The course\n")
    (src / "data" / "points.csv").write_text("1,2\n")
    (src / "src" / "01_a.py").write_text("# authoring source, not for students\n")
    (src / ".ipynb_checkpoints").mkdir()
    (src / ".ipynb_checkpoints" / "01_a-checkpoint.ipynb").write_text("{}")
    return src


def test_the_installed_course_is_the_lessons():
    files = course.course_files(course.source_dir())
    assert "01_graphs_and_sessions.ipynb" in files and "03_inside_a_training_step.ipynb" in files
    assert {"README.md", "sanitize.cfg", "conftest.py"} <= set(files)
    assert not any(f.startswith(("src/", "solutions/")) or "checkpoint" in f for f in files), files
    assert course.START_PAGE in files and "zh/01_graphs_and_sessions.ipynb" in files and "zh/README.md" in files
    assert "zh/术语表.md" in files and not any(f.startswith("zh/po/") for f in files), files


def test_copy_then_again(source, tmp_path):
    dest = tmp_path / "student"
    said = []
    got = course.copy_course(dest, source=source, say=said.append)
    assert sorted(got["new"]) == ["01_a.ipynb", "02_b.ipynb", "README.md", "data/points.csv"]
    assert (dest / "data" / "points.csv").read_text() == "1,2\n" and not (dest / "src").exists()
    manifest = json.loads((dest / course.MANIFEST).read_text())["files"]
    assert manifest["01_a.ipynb"] == course.fingerprint(source / "01_a.ipynb")
    again = course.copy_course(dest, source=source, say=said.append)
    assert again["new"] == [] and len(again["same"]) == 4 and "4 already up to date" in said[-1]


def test_an_edited_lesson_is_kept_unless_agreed(source, tmp_path):
    dest = tmp_path / "student"
    course.copy_course(dest, source=source, say=lambda s: None)
    (dest / "01_a.ipynb").write_text('{"cells": ["my answer"]}')       # the student's work
    (source / "02_b.ipynb").write_text('{"cells": [2, "fixed"]}')      # a newer course
    assert course.plan(dest, source)["edited"] == ["01_a.ipynb"]
    assert course.plan(dest, source)["update"] == ["02_b.ipynb"]        # untouched: safe to update

    said = []
    asked = []
    got = course.copy_course(dest, source=source, say=said.append, ask=lambda rel: asked.append(rel) or False)
    assert asked == ["01_a.ipynb"] and got["kept"] == ["01_a.ipynb"]
    assert (dest / "01_a.ipynb").read_text() == '{"cells": ["my answer"]}'
    assert (dest / "02_b.ipynb").read_text() == '{"cells": [2, "fixed"]}'
    assert "Kept 1 file(s) you have changed" in said[-1] and "--force" in said[-1]
    # still the student's after another run without asking (no terminal)
    course.copy_course(dest, source=source, say=said.append)
    assert (dest / "01_a.ipynb").read_text() == '{"cells": ["my answer"]}'

    course.copy_course(dest, source=source, say=said.append, ask=lambda rel: True)
    assert (dest / "01_a.ipynb").read_text() == '{"cells": [1]}'
    (dest / "01_a.ipynb").write_text("edited again")
    course.copy_course(dest, source=source, say=said.append, force=True)
    assert (dest / "01_a.ipynb").read_text() == '{"cells": [1]}'


def test_a_file_that_was_not_copied_by_us_counts_as_edited(source, tmp_path):
    dest = tmp_path / "student"
    dest.mkdir()
    (dest / "README.md").write_text("my own notes")                    # no manifest: never ours
    got = course.copy_course(dest, source=source, say=lambda s: None)
    assert got["kept"] == ["README.md"] and (dest / "README.md").read_text() == "my own notes"
    (dest / course.MANIFEST).write_text("{not json")                   # a damaged manifest: safe side
    assert course.plan(dest, source)["edited"] == ["README.md"]


def test_a_file_as_destination_is_refused(source, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(NotADirectoryError, match="give a folder"):
        course.copy_course(target, source=source, say=lambda s: None)


def test_cli_lessons_copies_and_says_how_to_open(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)            # not a terminal: never asks
    dest = tmp_path / "my course"
    assert main(["lessons", str(dest), "--no-open"]) == 0
    out = capsys.readouterr().out
    assert (dest / "01_graphs_and_sessions.ipynb").is_file()
    assert f'jupyter lab "{dest}"' in out
    nb = dest / "01_graphs_and_sessions.ipynb"
    nb.write_text(nb.read_text() + " ")
    assert main(["lessons", str(dest), "--no-open"]) == 0
    assert "Kept 1 file(s) you have changed (not overwritten): 01_graphs_and_sessions.ipynb" in capsys.readouterr().out


def test_cli_help_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "teachflow", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)
    assert "lessons" in done.stdout and "doctor" in done.stdout
    sub = subprocess.run([sys.executable, "-m", "teachflow", "lessons", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)
    assert "--force" in sub.stdout and "--no-open" in sub.stdout


def test_cli_lessons_opens_jupyterlab_there(tmp_path, capsys, monkeypatch):
    import importlib.util
    from teachflow import __main__ as cli
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("JupyterLab is not installed here (the message for that case is tested above)")
    calls = []
    monkeypatch.setattr(sys, "stdin", None)
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    assert main(["lessons", str(tmp_path / "c")]) == 0
    (cmd,) = calls
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"] and f"--ServerApp.root_dir={tmp_path / 'c'}" in cmd
    assert str(tmp_path / "c" / course.START_PAGE) in cmd[3:]     # the start page opens first
    assert "Opening JupyterLab in" in capsys.readouterr().out


def test_cli_without_jupyterlab_says_how(tmp_path, capsys, monkeypatch):
    import importlib.util
    monkeypatch.setattr(sys, "stdin", None)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    assert main(["lessons", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "JupyterLab is not installed: pip install jupyterlab" in out and "jupyter lab" in out
