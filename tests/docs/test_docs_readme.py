"""The README's ten-line example runs and does what its comment says."""
import pathlib
import re

import numpy as np

import teachflow as tf

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_runs_and_learns_w_close_to_3(capsys):
    text = README.read_text(encoding="utf-8")
    code = re.search(r"## Ten lines\s+```python\n(.*?)```", text, re.S).group(1)
    assert code.count("\n") <= 13  # ten lines of substance, plus imports and a blank
    tf.reset_default_graph()
    np.random.seed(0)
    tf.set_random_seed(0)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    w = float(re.search(r"\[\[\s*([-\d.]+)\s*\]\]", printed).group(1))
    assert abs(w - 3.0) < 0.1, printed
    tf.reset_default_graph()


def test_readme_quick_start_has_exactly_two_commands():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start\s+```bash\n(.*?)```", text, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]
    assert commands == ["make lessons", "make test"]
