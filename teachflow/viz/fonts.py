"""Fonts for Chinese text: matplotlib figures and Graphviz drawings, only when Chinese is chosen.

matplotlib's default DejaVu Sans and Graphviz's Helvetica have no Chinese glyphs (a label would
show as empty boxes). The font source is a system package: Debian/Ubuntu's ``fonts-noto-cjk``
(installed by ``.ci/run``, named by ``python -m teachflow doctor``), or any font in ``CJK_FAMILIES``
(macOS and Windows ship one). With ``set_language("zh")`` matplotlib's ``font.family`` becomes
``[sans-serif, <CJK font>]`` (matplotlib >= 3.6 falls back glyph by glyph, so Latin text and
numbers look as in English) and Graphviz drawings name the CJK font; back in English everything
is restored, so English figures are unchanged to the pixel. Without any CJK font, one
``CJKFontWarning`` names the fix.
"""
import re
import warnings

from ..core import i18n
from .styles import FONT

# families with the Chinese glyphs, best first (Linux, then macOS/Windows)
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback", "PingFang SC",
                "Heiti SC", "Hiragino Sans GB", "Microsoft YaHei", "SimHei", "Noto Sans CJK JP",
                "Arial Unicode MS")
CJK_FILES = re.compile(r"(?i)(cjk|notosanssc|sourcehan|wqy|wenquanyi|droidsansfallback|pingfang|"
                       r"hiragino|msyh|simhei|arialuni)")
FIX = ("install a font with Chinese characters: apt install fonts-noto-cjk (Debian/Ubuntu) | "
       "dnf install google-noto-sans-cjk-fonts | brew install --cask font-noto-sans-cjk-sc "
       "(Windows and macOS have one already), then restart the kernel")


class CJKFontWarning(UserWarning):
    """No font with Chinese glyphs was found: Chinese text would show as empty boxes."""


_found = {}          # "font" -> the CJK family matplotlib knows, or None; cached once looked up
_saved = {}          # the rcParams replaced while Chinese is on, to put back in English
_warned = []


def cjk_font():
    """The name of a font with Chinese glyphs matplotlib can use, or None. A font installed after
    matplotlib built its font cache is found too (its file is added to the font manager)."""
    if "font" not in _found:
        from matplotlib import font_manager
        known = {f.name for f in font_manager.fontManager.ttflist}
        name = next((f for f in CJK_FAMILIES if f in known), None)
        if name is None:
            paths = {f.fname for f in font_manager.fontManager.ttflist}
            for path in font_manager.findSystemFonts():
                if path not in paths and CJK_FILES.search(path):
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError):
                        continue
            known = {f.name for f in font_manager.fontManager.ttflist}
            name = next((f for f in CJK_FAMILIES if f in known), None)
        _found["font"] = name
    return _found["font"]


def warn_missing():
    """Warn once that Chinese text has no font, naming the fix."""
    if not _warned:
        _warned.append(True)
        warnings.warn(f"teachflow: no font with Chinese characters was found, so Chinese text shows as "
                      f"empty boxes; {FIX}. (python -m teachflow doctor checks this.)",
                      CJKFontWarning, stacklevel=3)


def graph_font():
    """The fontname Graphviz drawings use now: Helvetica in English, the CJK font in Chinese."""
    if i18n.get_language() == "en":
        return FONT
    name = cjk_font()
    if name is None:
        warn_missing()
        return FONT
    return name


def _apply(language):
    """Put the CJK font into matplotlib's fallback list for Chinese; restore it for English."""
    from matplotlib import rcParams
    if language == "en":
        if _saved:
            rcParams.update(_saved)
            _saved.clear()
        return
    name = cjk_font()
    if name is None:
        warn_missing()
        return
    if not _saved:
        _saved["font.family"] = list(rcParams["font.family"])
    rcParams["font.family"] = [f for f in _saved["font.family"] if f != name] + [name]


i18n.on_language_change(_apply)
if i18n.get_language() != "en":
    _apply(i18n.get_language())
