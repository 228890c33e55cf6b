"""Reference numbers for tests/compat/test_compat_control_flow.py, from TensorFlow itself.

Runs that test file's program functions with ``import teachflow as tf`` replaced by TF's own
TF1 API (``tensorflow.compat.v1``, graph mode) and prints the ``REFERENCE`` entries to paste.
TensorFlow is never a dependency: run it with the separate TF virtualenv, e.g.
``/work/venvs/tf/bin/python tools/dev/control_flow_reference.py``.
"""
import os
import sys
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf1  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "..", "..", "tests", "compat", "test_compat_control_flow.py")


def _fake_pytest():
    """The test module imports pytest only for its decorators: stand-ins that do nothing."""
    mark = types.SimpleNamespace(usefixtures=lambda *a: None,
                                 parametrize=lambda *a, **k: (lambda f: f))
    return types.SimpleNamespace(mark=mark)


def _clean(v):
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, float) or getattr(getattr(v, "dtype", None), "kind", "") == "f":
        return float(v)
    return int(v)


def main():
    tf1.disable_eager_execution()
    sys.modules["pytest"] = _fake_pytest()
    with open(PATH) as f:
        src = f.read().replace("import teachflow as tf\n", "import tensorflow.compat.v1 as tf\n")
    mod = types.ModuleType("programs")
    exec(compile(src, PATH, "exec"), mod.__dict__)
    for program in mod.PROGRAMS:
        tf1.reset_default_graph()
        print(f"    {program.__name__!r}: {_clean(program())!r},")


if __name__ == "__main__":
    main()
