"""The exercise checkers: right answers pass, wrong ones get a hint that does not give the answer."""
import math

import numpy as np
import pytest

from teachflow import set_language
from teachflow.exercises import answer_hash, check, exercise, exercises, hashed


def _xent_grad(logits, label):
    p = np.exp(logits - logits.max())
    p /= p.sum()
    p[label] -= 1
    return p


RIGHT = {
    "l01.build_z": lambda p, q: (p + q) * q,
    "l01.n_ops": 4,
    "l01.z_value": 6.0,
    "l02.n_params": 61,
    "l02.steps_to_target": 890,
    "l03.fanout": 5,
    "l03.mul_gate": (-8, 6),
    "l03.n_updates": 6,
    "l03.tanh_backward": lambda y, dy: dy * (1 - y ** 2),
    "l04.count_params": lambda s: sum(a * b + b for a, b in zip(s, s[1:])),
    "l04.pattern": r"hidden[23]",
    "l04.xent_grad": _xent_grad,
    "l05.conv_output_size": lambda n, k, s, pad: math.ceil(n / s) if pad == "SAME" else math.ceil((n - k + 1) / s),
    "l05.n_conv2": 3 * 3 * 32 * 64 + 64,
}

# typical mistakes, and the answer text a hint must not contain
WRONG = {
    "l01.build_z": (lambda p, q: p * q + q, "(p + q) * q"),
    "l01.n_ops": (3, "4"),
    "l01.z_value": (4.0, "6"),
    "l02.n_params": (60, "61"),
    "l02.steps_to_target": (1008, "884"),
    "l03.fanout": (4, "5"),                              # only the direct path: p + q
    "l03.mul_gate": ((3, -4), "-8"),                     # the inputs, without the upstream gradient
    "l03.n_updates": (3, "6"),
    "l03.tanh_backward": (lambda y, dy: dy * (1 - np.tanh(y) ** 2), "1 - y"),
    "l04.count_params": (lambda s: sum(a * b for a, b in zip(s, s[1:])), "a * b + b"),
    "l04.pattern": (r"hidden[123]", "hidden[23]"),
    "l04.xent_grad": (lambda logits, label: np.exp(logits) / np.exp(logits).sum(), "- 1"),
    "l05.conv_output_size": (lambda n, k, s, pad: n // s if pad == "SAME" else (n - k) // s, "ceil"),
    "l05.n_conv2": (3 * 3 * 64 + 64, "18496"),
}


def test_every_lesson_1_to_5_exercise_is_covered_here():
    mine = {k for k in exercises() if k[:3] in ("l01", "l02", "l03", "l04", "l05")}
    assert mine == set(RIGHT) == set(WRONG)


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes(key):
    result = check(key, RIGHT[key])
    assert result.ok, result.message
    assert "✓" in repr(result) and "Hint" not in result.message


@pytest.mark.parametrize("language, hint", [("en", "Hint:"), ("zh", "提示：")])
@pytest.mark.parametrize("key", sorted(WRONG))
def test_wrong_answer_gets_a_hint_not_the_answer(key, language, hint):
    answer, secret = WRONG[key]
    set_language(language)
    try:
        result = check(key, answer)
    finally:
        set_language("en")
    assert not result.ok and hint in result.message and "✗" in repr(result)
    assert secret not in result.message


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_no_answer_shows_the_hint(key):
    result = check(key, None)
    assert not result.ok and result.message.startswith("no answer yet. Hint:")


def test_a_function_that_raises_is_reported_with_the_hint():
    def broken(y, dy):
        return y @ np.ones((7, 7))
    result = check("l03.tanh_backward", broken)
    assert not result.ok and "raised ValueError" in result.message and "Hint:" in result.message


def test_a_placeholder_function_returning_none_gets_the_hint():
    result = check("l03.tanh_backward", lambda y, dy: None)
    assert not result.ok and "returned None" in result.message and "Hint:" in result.message


def test_unknown_key_names_the_known_ones():
    with pytest.raises(KeyError, match="l01.build_z"):
        check("l01.nope", 1)


def test_a_key_registers_once():
    with pytest.raises(ValueError, match="registered twice"):
        exercise("l01.n_ops", "again")(lambda answer: (True, ""))


def test_answer_hash_normalises_numbers_text_and_tuples():
    assert answer_hash(6) == answer_hash(6.0) == answer_hash(np.float32(6.0004)) == answer_hash(np.int64(6))
    assert answer_hash((-8, 6)) == answer_hash([-8.0, 6.0]) != answer_hash((6, -8))
    assert answer_hash("  Higher ") == answer_hash("higher") != answer_hash("lower")
    assert answer_hash(-0.0001) == answer_hash(0)
    assert answer_hash(True) != answer_hash(1)


def test_hashed_checker_holds_no_answer():
    checker = hashed(answer_hash(42))
    assert checker(42)[0] and not checker(41)[0]
    assert 42 not in [c.cell_contents for c in checker.__closure__]


def test_result_renders_as_markdown_in_a_notebook():
    assert check("l01.n_ops", 4)._repr_markdown_().startswith("`l01.n_ops`: **✓ correct**")
    assert "**✗ not yet**" in check("l01.n_ops", None)._repr_markdown_()
