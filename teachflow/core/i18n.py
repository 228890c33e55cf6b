"""The language the student reads: English or Chinese, through gettext catalogues.

Every word a student reads in a widget, plot, graph legend or step explanation is written as
``_("English text with {named} fields")`` and looked up here in the current language's catalogue,
``teachflow/locale/<lang>/LC_MESSAGES/teachflow.po`` (the source the translators edit). The build
(``setup.py``) compiles each ``.po`` into the ``.mo`` that gettext reads, with Babel; a source
checkout whose ``.mo`` is missing or older than its ``.po`` compiles it in memory on first use by
the same routine, so no ``.mo`` is ever kept by hand. English needs no catalogue: the msgids are
the English text.

``set_language("zh")`` (or ``TEACHFLOW_LANG=zh`` in the environment, read at import) switches
what later calls of ``_`` return; views that draw text register ``on_language_change`` to redraw.
Error messages stay English, as in TF1; the common beginner errors add ``hint(...)``, a Chinese
line when the language is Chinese and nothing in English.

This module imports only the standard library at load time (``setup.py`` runs it on its own);
Babel is imported only to compile a catalogue.
"""
import datetime
import gettext as _gettext
import io
import os
import warnings
import weakref
from pathlib import Path

DOMAIN = "teachflow"
LANGUAGES = ("en", "zh")
ENV = "TEACHFLOW_LANG"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
_ALIASES = {"zh_cn": "zh", "zh-cn": "zh", "zh_hans": "zh", "zh-hans": "zh", "cn": "zh", "chinese": "zh",
            "中文": "zh", "en_us": "en", "en-us": "en", "en_gb": "en", "en-gb": "en", "english": "en"}

_language = "en"
_catalogues = {}          # language -> gettext translations object
_listeners = []           # weak references to callables taking the new language


class LanguageError(ValueError):
    """An unknown language was asked for."""


def normalize(language):
    """``"zh"`` or ``"en"`` for a language name such as ``"zh_CN"``; LanguageError otherwise."""
    if not isinstance(language, str):
        raise LanguageError(f"teachflow speaks {', '.join(repr(x) for x in LANGUAGES)}; set_language "
                            f"expects one of these names, got {type(language).__name__} {language!r}")
    key = language.strip().lower().split(".")[0]
    key = _ALIASES.get(key, key)
    if key not in LANGUAGES:
        raise LanguageError(f"teachflow speaks {', '.join(repr(x) for x in LANGUAGES)}; "
                            f"got language {language!r}")
    return key


def get_language():
    """The language widgets, plots and explanations are written in now: ``"en"`` or ``"zh"``."""
    return _language


def set_language(language):
    """Write later widgets, plots, graph legends and step explanations in ``language``
    (``"zh"`` or ``"en"``); open views that registered ``on_language_change`` redraw.
    Returns the previous language."""
    global _language
    new = normalize(language)
    if new != "en":
        _catalogue(new)           # fail (or warn) now, not at the first label
    old, _language = _language, new
    if new != old:
        for ref in list(_listeners):
            callback = ref()
            if callback is None:
                _listeners.remove(ref)
            else:
                callback(new)
    return old


def on_language_change(callback):
    """Call ``callback(language)`` after each switch, as long as its owner lives (a bound
    method is held weakly, so a closed widget is simply forgotten)."""
    try:
        ref = weakref.WeakMethod(callback)
    except TypeError:
        ref = weakref.ref(callback)
    _listeners.append(ref)
    return callback


def gettext(message):
    """``message`` (an English msgid) in the current language."""
    if _language == "en":
        return message
    return _catalogue(_language).gettext(message)


def ngettext(singular, plural, n):
    """The singular or plural form for ``n`` in the current language."""
    if _language == "en":
        return singular if n == 1 else plural
    return _catalogue(_language).ngettext(singular, plural, n)


_ = gettext


def N_(message):
    """Mark ``message`` for the catalogue without translating it now (module-level texts that
    are translated where they are shown, with ``_(text)``)."""
    return message


def hint(message):
    """A hint line for a beginner's error: the translation of ``message`` on its own line when
    the language is not English (the English error already says it), else ``""``."""
    if _language == "en":
        return ""
    return "\n" + gettext(message)


def paths(language, locale_dir=None):
    """The ``.po`` source and the ``.mo`` gettext reads, for ``language`` (under ``LOCALE_DIR``
    unless ``locale_dir`` is given)."""
    folder = Path(locale_dir or LOCALE_DIR) / language / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def compile_catalogue(po_path):
    """The ``.mo`` bytes of the ``.po`` file at ``po_path`` (Babel's reader and writer; fuzzy
    entries are left out, as msgfmt does)."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError as e:
        raise ImportError("compiling teachflow's translation catalogue needs Babel: pip install babel") from e
    with open(po_path, "rb") as f:
        data = f.read()
    catalog = read_po(io.BytesIO(data), abort_invalid=True)
    if b"POT-Creation-Date:" not in data:
        # Babel would stamp the current time into the header: the same .po must always give the
        # same .mo bytes (a reproducible build; the wheel test compares them)
        catalog.creation_date = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_all(locale_dir=None, target_dir=None):
    """Compile every language's ``.po`` under ``locale_dir`` into a ``.mo`` under ``target_dir``
    (default: beside it). The build step and ``python -m teachflow.core.i18n`` run this.
    Returns the written paths."""
    written = []
    for language in LANGUAGES:
        po, _mo = paths(language, locale_dir)
        if not po.is_file():
            continue
        mo = paths(language, target_dir or locale_dir)[1]
        data = compile_catalogue(po)
        mo.parent.mkdir(parents=True, exist_ok=True)
        tmp = mo.with_name(mo.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, mo)
        written.append(mo)
    return written


def _is_fresh(po, mo):
    return mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime)


def _catalogue(language):
    """The translations of ``language``: the built ``.mo`` when it is not older than its
    ``.po``, else the ``.po`` compiled in memory."""
    if language in _catalogues:
        return _catalogues[language]
    po, mo = paths(language)
    if _is_fresh(po, mo):
        with open(mo, "rb") as f:
            found = _gettext.GNUTranslations(f)
    elif po.is_file():
        try:
            found = _gettext.GNUTranslations(io.BytesIO(compile_catalogue(po)))
        except ImportError as e:
            warnings.warn(f"teachflow shows English: {e}", stacklevel=3)
            found = _gettext.NullTranslations()
    else:
        raise LanguageError(f"no {language!r} catalogue in {po.parent}: reinstall teachflow")
    _catalogues[language] = found
    return found


def _language_from_environment():
    value = os.environ.get(ENV, "").strip()
    if not value:
        return
    try:
        set_language(value)
    except LanguageError as e:
        warnings.warn(f"{ENV}: {e}; teachflow stays in English", stacklevel=2)


_language_from_environment()

if __name__ == "__main__":     # python -m teachflow.core.i18n: compile the catalogues in place
    for path in compile_all():
        print(f"wrote {path}")
