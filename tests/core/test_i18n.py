"""The library's language: set_language / get_language / TEACHFLOW_LANG, the gettext catalogue
compiled from the shipped .po, and the Chinese hint lines of the three beginner errors."""
import datetime
import gettext
import io
import os
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import teachflow as tf
from teachflow.core import i18n
from teachflow.core.errors import UNINITIALIZED_HINT

pytestmark = pytest.mark.usefixtures("fresh_graph", "english_after")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def english_after():
    yield
    tf.set_language("en")


def _po_entries():
    from babel.messages.pofile import read_po
    po, _ = i18n.paths("zh")
    with open(po, "rb") as f:
        return [m for m in read_po(f) if m.id]


def test_set_language_switches_what_later_calls_return():
    msg = UNINITIALIZED_HINT
    assert tf.get_language() == "en"
    assert i18n.gettext(msg) == msg
    assert tf.set_language("zh") == "en"
    assert tf.get_language() == "zh"
    zh = i18n.gettext(msg)
    assert zh != msg and "变量" in zh and "{name}" in zh
    tf.set_language("en")
    assert i18n.gettext(msg) == msg


@pytest.mark.parametrize("name, expected", [("zh_CN", "zh"), ("zh-Hans", "zh"), ("EN", "en"),
                                            ("zh_CN.UTF-8", "zh"), ("中文", "zh")])
def test_usual_language_names_are_understood(name, expected):
    tf.set_language(name)
    assert tf.get_language() == expected


@pytest.mark.parametrize("bad", ["fr", "", 3, None])
def test_an_unknown_language_is_refused_naming_the_choices(bad):
    with pytest.raises(ValueError, match="'en', 'zh'"):
        tf.set_language(bad)
    assert tf.get_language() == "en"


def _python(code, **env):
    full = {k: v for k, v in os.environ.items() if k != i18n.ENV}
    full.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True, text=True,
                          env=full, timeout=120)


def test_the_environment_variable_is_read_at_import_and_set_language_overrides_it():
    done = _python("import teachflow as tf; print(tf.get_language()); tf.set_language('en'); "
                   "print(tf.get_language())", TEACHFLOW_LANG="zh_CN")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["zh", "en"]
    bad = _python("import teachflow as tf; print(tf.get_language())", TEACHFLOW_LANG="klingon")
    assert bad.returncode == 0 and bad.stdout.split() == ["en"]
    assert "TEACHFLOW_LANG" in bad.stderr and "'klingon'" in bad.stderr


def test_views_registered_for_changes_hear_each_switch_while_they_live():
    heard = []

    class View:
        def redraw(self, language):
            heard.append(language)

    view = View()
    i18n.on_language_change(view.redraw)
    tf.set_language("zh")
    tf.set_language("zh")           # no change, no call
    tf.set_language("en")
    assert heard == ["zh", "en"]
    del view
    tf.set_language("zh")
    assert heard == ["zh", "en"]


def test_the_compiled_catalogue_holds_every_translation_of_the_po():
    data = i18n.compile_catalogue(i18n.paths("zh")[0])
    compiled = gettext.GNUTranslations(io.BytesIO(data))
    entries = _po_entries()
    assert entries
    for m in entries:
        assert compiled.gettext(m.id) == m.string


def test_the_build_routine_writes_the_mo_and_a_stale_one_is_not_read(tmp_path, monkeypatch):
    (written,) = i18n.compile_all(target_dir=tmp_path)
    assert written == tmp_path / "zh" / "LC_MESSAGES" / "teachflow.mo"
    assert written.read_bytes() == i18n.compile_catalogue(i18n.paths("zh")[0])
    po = tmp_path / "zh" / "LC_MESSAGES" / "teachflow.po"
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Loss"\nmsgstr "新的损失"\n', encoding="utf-8")
    os.utime(written, (1, 1))       # the .mo is older than its .po: compiled again, in memory
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_catalogues", {})
    tf.set_language("zh")
    assert i18n.gettext("Loss") == "新的损失"
    assert written.stat().st_mtime == 1      # nothing written at run time


def test_every_translation_keeps_the_fields_of_its_msgid():
    def fields(text):
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)
    for m in _po_entries():
        assert fields(m.string) == fields(m.id), m.id


def _chinese(text):
    return any("\u4e00" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in text)


def _error(make):
    with pytest.raises(Exception) as info:
        make()
    return str(info.value)


def _unfed():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    with tf.Session() as sess:
        sess.run(x * 2.0)


def _uninitialized():
    w = tf.Variable(tf.zeros([2]), name="w")
    with tf.Session() as sess:
        sess.run(w + 1.0)


def _matmul_shapes():
    tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]), name="mm")


def _feed_shape():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    with tf.Session() as sess:
        sess.run(x * 2.0, feed_dict={x: np.zeros((3, 4))})


@pytest.mark.parametrize("make, error, words", [
    (_unfed, tf.errors.InvalidArgumentError, ["提示：占位符 'x'", "feed_dict"]),
    (_uninitialized, tf.errors.FailedPreconditionError, ["提示：变量 'w'", "global_variables_initializer"]),
    (_matmul_shapes, ValueError, ["提示：'mm' 的输入形状（[2,3], [4,5]）", "matmul"]),
    (_feed_shape, tf.errors.InvalidArgumentError, ["提示：喂给 'x:0' 的数据形状是 [3,4]", "[?,2]"]),
])
def test_beginner_errors_add_a_chinese_hint_line_only_in_chinese(make, error, words):
    english = _error(make)
    assert not _chinese(english)
    tf.reset_default_graph()
    tf.set_language("zh")
    with pytest.raises(error) as info:
        make()
    message = str(info.value)
    first, hint = message.split("\n")[0], message.split("\n")[-1]
    assert message.startswith(english)          # the English (TF1) message, then one Chinese line
    assert not _chinese(first) and all(w in hint for w in words), message


def _marked_in_source():
    """Every msgid marked in teachflow's source (``_``, ``N_``, ``ngettext``), by Babel's extractor,
    with where it is."""
    from babel.messages.extract import extract_from_dir
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT / "teachflow"), method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "ngettext": (1, 2)}):
        for text in (message if isinstance(message, tuple) else (message,)):
            if text:
                found.setdefault(text, f"{filename}:{lineno}")
    return found


def test_every_marked_text_has_a_chinese_translation_and_nothing_is_left_over():
    marked = _marked_in_source()
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in _po_entries()}
    assert len(marked) >= 4
    missing = [f"{where}: {text!r}" for text, where in marked.items() if text not in entries]
    untranslated = [text for text, m in entries.items()
                    if not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [text for text, m in entries.items() if m.fuzzy]
    stale = [text for text in entries if text not in marked]
    assert (missing, untranslated, fuzzy, stale) == ([], [], [], [])


def test_the_extractor_sees_marks_in_the_ways_the_source_writes_them(tmp_path, monkeypatch):
    """The scan is not vacuous: a text marked with _ or N_ (over several lines) is found."""
    (tmp_path / "teachflow").mkdir()
    (tmp_path / "teachflow" / "m.py").write_text(
        'from .core.i18n import _, N_\nA = N_("one "\n       "text")\ndef f(n):\n'
        '    return _("Loss at step {step}").format(step=n)\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert set(_marked_in_source()) == {"one text", "Loss at step {step}"}


def test_no_marked_text_hides_inside_an_f_string_or_is_built_from_one():
    """Babel (like xgettext) reads only string literals outside f-strings: ``_("text")`` inside an
    f-string's braces, or ``_(f"...")``, would never reach the catalogue (``_(name)`` of a text
    marked elsewhere with ``N_`` is fine). An AST scan of the whole package."""
    import ast
    bad = []
    for path in sorted((ROOT / "teachflow").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                            and inner.func.id in ("_", "N_") and inner.args
                            and isinstance(inner.args[0], ast.Constant)):
                        bad.append(f"{path.relative_to(ROOT)}:{inner.lineno} _() inside an f-string")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.JoinedStr)):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} _(f'...')")
    assert bad == []


def test_compiling_the_same_catalogue_gives_the_same_bytes_at_any_time(tmp_path, monkeypatch):
    """A reproducible build: Babel stamps the current time into a header without a
    POT-Creation-Date, so the wheel's .mo and a test's compile used to differ across a minute."""
    import babel.messages.catalog as catalog_module
    po = tmp_path / "t.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "next"\nmsgstr "前进"\n', encoding="utf-8")
    first = i18n.compile_catalogue(po)

    class Later(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime(2031, 5, 6, 7, 8, tzinfo=tz)

    monkeypatch.setattr(catalog_module.datetime, "datetime", Later)
    assert i18n.compile_catalogue(po) == first
