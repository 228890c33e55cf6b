"""The exercises speak the student's language: in Chinese every mark, hint and checker message
comes from the catalogue, fields filled in, and the language is read when a result is made and
shown (so ``set_language`` after import works); English stays as it was."""
import re

import numpy as np
import pytest

from teachflow import set_language
from teachflow.core import i18n
from teachflow.exercises import _core, check, exercises


@pytest.fixture
def zh():
    set_language("zh")
    yield
    set_language("en")


def _chinese(text):
    return bool(re.search("[\u4e00-\u9fff]", text))


def _english_words(text):
    """English words of a message, leaving out code (names with _ . ( ), quoted values) and units."""
    return [w for w in re.findall(r"(?<![\w.'\"])[A-Za-z]{4,}(?![\w.(])", text)
            if w not in ("None", "VALID", "SAME", "sync", "async", "grows", "shrinks", "feed_dict",
                         "tanh", "softmax", "logits", "ValueError")]


def test_every_exercise_hint_has_a_chinese_translation(zh):
    catalogue = i18n._catalogue("zh")
    for key in exercises():
        hint = _core._REGISTRY[key].hint
        translated = catalogue.gettext(hint)
        assert translated != hint and _chinese(translated), key
        message = check(key, None).message
        assert message == f"还没有作答。提示：{translated}", key


@pytest.mark.parametrize("key, wrong, words", [
    ("l01.n_ops", 3, ["3 不是正确的操作个数。", "提示：数出每一个节点"]),
    ("l01.z_value", 4.0, ["不是正确的z 的值", "在会话中运行 z"]),
    ("l03.mul_gate", (3, -4), ["不是正确的梯度对", "乘法门"]),
    ("l07.nbytes", 25600, ["这只算了一个方向。提示：", "前向传一次"]),
    ("l06.step_16", 0.5, ["单台设备的平均时间", "提示：同步训练的一步"]),
])
def test_a_wrong_answer_in_chinese_gets_chinese_feedback(zh, key, wrong, words):
    result = check(key, wrong)
    assert not result.ok
    assert repr(result).startswith(f"{key}: ✗ 还不对 — ")
    assert "**✗ 还不对**" in result._repr_markdown_()
    assert all(w in result.message for w in words), result.message
    assert "Hint" not in result.message and not _english_words(result.message), result.message


def test_checker_messages_with_values_keep_their_fields_in_chinese(zh):
    wrong = check("l01.build_z", lambda p, q: p * q + q)
    assert re.search(r"在 p = -?\d\.\d\d、q = -?\d\.\d\d 时，你的 z 算出 -?\d+\.\d{4}。提示：", wrong.message)
    shapes = check("l03.tanh_backward", lambda y, dy: np.zeros(3))
    assert "的输入，它返回的形状是 (3,)，应当是" in shapes.message
    count = check("l04.count_params", lambda s: 0)
    assert re.search(r"count_params\(\[[\d, ]+\]\) 返回了 0。提示：", count.message)
    pattern = check("l04.pattern", r"hidden")
    assert pattern.message.startswith("它多选了 4 个不该选的名字（hidden1/bias, hidden1/kernel, ")
    assert check("l04.pattern", r"hidden2").message.startswith("它多选了 0 个不该选的名字（无），又漏掉了 2 个。")
    raised = check("l07.fastest_cut", 4)
    assert raised.message.startswith("你的答案引发了 ValueError：请回答 1、2 或 3（在第几层之后切分计算图），收到的是 4。提示：")
    assert not _english_words(wrong.message + shapes.message + count.message + raised.message)


@pytest.mark.parametrize("key, right", [("l01.n_ops", 4), ("l07.bubble", 0.25),
                                        ("l03.tanh_backward", lambda y, dy: dy * (1 - y ** 2))])
def test_a_right_answer_in_chinese_is_marked_correct_in_chinese(zh, key, right):
    result = check(key, right)
    assert result.ok and repr(result).startswith(f"{key}: ✓ 正确")
    assert result._repr_markdown_().startswith(f"`{key}`: **✓ 正确**")
    assert not _english_words(result.message), result.message


def test_the_language_is_read_when_checking_and_showing_not_at_import():
    english = check("l01.n_ops", None)
    assert repr(english).startswith("l01.n_ops: ✗ not yet — no answer yet. Hint: count every node")
    set_language("zh")
    try:
        assert repr(english).startswith("l01.n_ops: ✗ 还不对 — no answer yet.")   # the mark follows the display
        assert check("l01.n_ops", None).message.startswith("还没有作答。提示：数出每一个节点")
    finally:
        set_language("en")
    assert check("l01.n_ops", None).message == english.message
