"""Build step: the wheel ships the course and the compiled translations. ``build_py`` copies the
repository's ``lessons/`` (the files ``teachflow.course.course_files`` lists: notebooks with stored
outputs, README, nbval settings, data; not the authoring sources) into the built package as
``teachflow/course/``, so the repository keeps a single copy, and compiles each
``teachflow/locale/<lang>/LC_MESSAGES/teachflow.po`` into the ``.mo`` gettext reads (Babel, through
``teachflow/core/i18n.py``'s ``compile_all``; an editable install gets them beside the ``.po``).
Everything else is configured in pyproject.toml."""
import importlib.util
import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = pathlib.Path(__file__).resolve().parent


def _module(name, path):
    """A module of teachflow on its own (importing the package would need its dependencies)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "teachflow" / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithCourse(build_py):
    def run(self):
        super().run()
        i18n = _module("_teachflow_i18n", "core/i18n.py")
        if getattr(self, "editable_mode", False):   # an editable install reads lessons/ in place
            i18n.compile_all(ROOT / "teachflow" / "locale")
            return
        i18n.compile_all(ROOT / "teachflow" / "locale", pathlib.Path(self.build_lib) / "teachflow" / "locale")
        lessons = ROOT / "lessons"
        if not lessons.is_dir():
            raise SystemExit("teachflow's build needs the lessons/ folder (the course ships in the wheel)")
        target = pathlib.Path(self.build_lib) / "teachflow" / "course"
        if target.exists():
            shutil.rmtree(target)
        for rel in _module("_teachflow_course", "course.py").course_files(lessons):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(lessons / rel, target / rel)


setup(cmdclass={"build_py": BuildWithCourse})
