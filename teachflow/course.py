"""The course that ships with the package, and copying it into a student's folder.

A wheel carries the lessons (notebooks with their stored outputs, README, nbval settings and any
data beside them) as ``teachflow/course/``: ``setup.py`` copies ``lessons/`` there at build time,
so the repository keeps one copy. In a clone, the repository's ``lessons/`` is the course.

``copy_course(dest)`` never overwrites a student's work unasked: a manifest in ``dest``
(``.teachflow-course.json``) records the fingerprint of every file as it was copied. A file that
still matches it is updated freely to the installed course; a file that differs from both the
manifest and the course was edited, and is replaced only if ``ask(path)`` says yes or ``force``.

This module imports nothing from teachflow at import time: ``setup.py`` loads it on its own to
know which files make the course.
"""
import hashlib
import json
import os
import pathlib
import shutil

MANIFEST = ".teachflow-course.json"
# authoring material that is not the student's course (po: the translation catalogues)
EXCLUDE_DIRS = {"src", "solutions", "po", ".ipynb_checkpoints", "__pycache__", ".pytest_cache"}
# the page JupyterLab opens first: every lesson in both editions (English, 中文 in zh/)
START_PAGE = "00_START.ipynb"
EXCLUDE_SUFFIXES = (".pyc", ".tmp")


def course_files(root):
    """The course's files under ``root``, as sorted relative POSIX paths."""
    root = pathlib.Path(root)
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDE_DIRS and not d.startswith("."))
        for name in files:
            if name.startswith(".") or name.endswith(EXCLUDE_SUFFIXES):
                continue
            out.append((pathlib.Path(folder) / name).relative_to(root).as_posix())
    return sorted(out)


def source_dir():
    """Where the installed course is: ``teachflow/course`` in a wheel, else a clone's ``lessons/``."""
    here = pathlib.Path(__file__).resolve().parent
    for candidate in (here / "course", here.parent / "lessons"):
        if candidate.is_dir() and any(candidate.glob("*.ipynb")):
            return candidate
    raise FileNotFoundError(
        f"teachflow's course is not installed (looked in {here / 'course'} and {here.parent / 'lessons'}): "
        "reinstall teachflow from a wheel or the source distribution (pip install --force-reinstall teachflow)")


def fingerprint(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest(dest):
    path = pathlib.Path(dest) / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}                   # unreadable: treat every differing file as edited (the safe side)
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(files, dict) else {}


def plan(dest, source=None):
    """What copying would do, per file: ``{"new": [...], "update": [...], "same": [...],
    "edited": [...]}`` (relative paths). ``update``: unchanged since copied, the course changed;
    ``edited``: differs from the course and from what was copied (the student's work)."""
    source = pathlib.Path(source) if source is not None else source_dir()
    dest = pathlib.Path(dest)
    copied = _manifest(dest)
    out = {"new": [], "update": [], "same": [], "edited": []}
    for rel in course_files(source):
        target = dest / rel
        if not target.exists():
            out["new"].append(rel)
            continue
        have = fingerprint(target) if target.is_file() else None
        if have == fingerprint(source / rel):
            out["same"].append(rel)
        elif have is not None and copied.get(rel) == have:
            out["update"].append(rel)
        else:
            out["edited"].append(rel)
    return out


def copy_course(dest, force=False, ask=None, say=print, source=None):
    """Copy the course into ``dest`` (created if needed); returns ``plan``'s dict with
    ``"kept"``: the edited files left as they were. Edited files are replaced when ``force``
    or ``ask(relative path)`` returns True; otherwise kept, and ``say`` tells which."""
    from .core.files import atomic_write
    source = pathlib.Path(source) if source is not None else source_dir()
    dest = pathlib.Path(dest)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} is a file: give a folder to copy the course into")
    todo = plan(dest, source)
    kept = []
    replace = todo["new"] + todo["update"]
    for rel in todo["edited"]:
        if force or (ask is not None and ask(rel)):
            replace.append(rel)
        else:
            kept.append(rel)
    copied = _manifest(dest)
    for rel in sorted(replace):
        target = dest / rel
        if target.is_dir():
            raise IsADirectoryError(f"{target} is a folder where the course has a file: move it away")
        atomic_write(target, (source / rel).read_bytes())
        shutil.copymode(source / rel, target)
        copied[rel] = fingerprint(target)
    for rel in todo["same"]:
        copied[rel] = fingerprint(dest / rel)
    dest.mkdir(parents=True, exist_ok=True)
    atomic_write(dest / MANIFEST, json.dumps({"course": "teachflow", "files": copied}, indent=1,
                                             sort_keys=True) + "\n")
    counts = {k: len(v) for k, v in todo.items()}
    say(f"teachflow course in {dest}: {counts['new']} new, {counts['update']} updated, "
        f"{counts['same']} already up to date, {len(todo['edited']) - len(kept)} edited file(s) replaced.")
    if kept:
        say(f"Kept {len(kept)} file(s) you have changed (not overwritten): {', '.join(kept)}.\n"
            "To replace them with the course's version, run again with --force "
            "(your changes are then lost: copy them elsewhere first).")
    return {**todo, "kept": kept}
