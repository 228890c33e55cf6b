"""Translations of the course: one gettext catalogue per lesson, applied to the English source.

The Chinese edition is never written by hand: ``lessons/zh/<stem>.ipynb`` is built from the
English source ``lessons/src/<stem>.py`` and the catalogue ``lessons/zh/po/<stem>.po``, so the
code cells of the two editions are the same code and cannot drift. A catalogue holds three kinds
of entries, told apart by their ``msgctxt``:

- ``markdown``: msgid = the whole text of one markdown cell (as ``build_lessons.parse`` gives it),
  msgstr = that cell in the other language;
- ``string``: msgid = the exact source text of one string-literal token of a code cell (prefix and
  quotes included, as ``tokenize`` yields it), msgstr = the literal that replaces it, with the same
  ``{fields}``;
- ``comment``: msgid = the exact source text of one ``#`` comment of a code cell.

Strings and comments are replaced token by token (exact match of the token's source text), so the
code around them is never touched. ``translate`` refuses a catalogue that leaves a markdown cell
untranslated, holds a stale entry (its msgid is no longer in the source) or a fuzzy one, or whose
msgstr drops or adds a ``{field}``. The first cell of a translated notebook switches the library's
own strings (widgets, plots, explanations) to the language.

Usage: ``python tools/translate.py extract [lessons/src/01_*.py ...]`` writes each lesson's
template ``lessons/<lang>/po/<stem>.pot`` and merges it into ``<stem>.po`` if that exists (new
entries empty, vanished ones kept as obsolete ``#~`` entries, near matches marked fuzzy);
``python tools/translate.py check`` reports every catalogue's problems.
"""
import collections
import datetime
import io
import pathlib
import re
import sys
import tokenize

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT / "tools") not in sys.path:             # build_lessons sits beside this module
    sys.path.insert(0, str(ROOT / "tools"))
LANGUAGES = {"zh": "zh_Hans_CN"}
SWITCH_NOTE = {"zh": ("控件、图表和讲解都改用中文", "teachflow 的语言：")}
MARKDOWN, STRING, COMMENT = "markdown", "string", "comment"
# a replacement field of a str.format / f-string literal; {{ and }} are literal braces
_FIELD = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_LETTERS = re.compile(r"[^\W\d_]")
_KEEP_COMMENT = re.compile(r"#\s*(NBVAL_|noqa|type:|%%)")


def switch_cell(lang):
    """The code cell a translated lesson starts with: the library speaks the lesson's language
    (widgets, plots, explanations), and says so. No bare expression ends the cell: its value
    would be an output, and nbval does not honour a trailing semicolon."""
    note, said = SWITCH_NOTE[lang]
    return (f'import teachflow\nteachflow.set_language("{lang}")  # {note}\n'
            f'print("{said}", teachflow.get_language())')


def catalogue_path(src, lang="zh", suffix=".po"):
    return ROOT / "lessons" / lang / "po" / (pathlib.Path(src).stem + suffix)


def notebook_path(src, lang="zh"):
    return ROOT / "lessons" / lang / (pathlib.Path(src).stem + ".ipynb")


def _offsets(text):
    starts, pos = [0], 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def code_tokens(code):
    """``(kind, start, end)`` of every string literal and comment in ``code`` (character offsets;
    an f-string is one literal, as Python 3.11 tokenizes it)."""
    starts, out, fstring = _offsets(code), [], []
    where = lambda pos: starts[pos[0] - 1] + pos[1]
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        name = tokenize.tok_name[tok.type]
        if name == "FSTRING_START":                      # Python >= 3.12 splits f-strings up
            fstring.append(where(tok.start))
        elif name == "FSTRING_END":
            begin = fstring.pop()
            if not fstring:
                out.append((STRING, begin, where(tok.end)))
        elif tok.type == tokenize.STRING and not fstring:
            out.append((STRING, where(tok.start), where(tok.end)))
        elif tok.type == tokenize.COMMENT:
            out.append((COMMENT, where(tok.start), where(tok.end)))
    return out


def wants_translation(kind, text):
    """Whether ``extract`` offers a token to translators: comments a reader reads, and string
    literals with words in them (letters and a space), not names, keys or directives."""
    if kind == COMMENT:
        return bool(_LETTERS.search(text)) and not _KEEP_COMMENT.match(text)
    body = re.sub(r"^[rRbBuUfF]*('''|\"\"\"|'|\")", "", text)
    return bool(_LETTERS.search(body)) and " " in body and not re.match(r"^[bB]", text)


def messages(cells):
    """The translatable texts of a lesson, in order, without repeats: ``[(context, msgid)]``."""
    seen = {}
    for cell in cells:
        if cell.cell_type == "markdown":
            seen.setdefault((MARKDOWN, cell.source), None)
            continue
        for kind, start, end in code_tokens(cell.source):
            text = cell.source[start:end]
            if wants_translation(kind, text):
                seen.setdefault((kind, text), None)
    return list(seen)


def template(src, lang="zh"):
    """A fresh catalogue (no translations) for the lesson ``src``."""
    from build_lessons import parse
    fixed = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)   # no noise in diffs
    cat = Catalog(locale=LANGUAGES[lang], project="teachflow course", version="1", fuzzy=False,
                  creation_date=fixed, revision_date=fixed, copyright_holder="teachflow",
                  msgid_bugs_address="", last_translator="teachflow", language_team="teachflow")
    for context, msgid in messages(parse(pathlib.Path(src).read_text(encoding="utf-8"))):
        cat.add(msgid, "", context=context)
    return cat


def read_catalogue(path):
    with open(path, "rb") as f:
        return read_po(f, abort_invalid=True)


def write_catalogue(path, cat):
    from teachflow.core.files import atomic_write
    buf = io.BytesIO()
    write_po(buf, cat, width=0, sort_output=False, omit_header=False, include_previous=True)
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buf.getvalue())


def extract(src, lang="zh"):
    """Write the lesson's ``.pot`` and bring its ``.po`` (if any) up to date with the source."""
    pot = template(src, lang)
    write_catalogue(catalogue_path(src, lang, ".pot"), pot)
    po_path = catalogue_path(src, lang)
    if po_path.exists():
        po = read_catalogue(po_path)
        tokens = set(_all_tokens(src))
        for m in po:                 # a token a translator added by hand stays while the code has it
            if m.id and m.context in (STRING, COMMENT) and (m.context, m.id) in tokens \
                    and pot.get(m.id, context=m.context) is None:
                pot.add(m.id, "", context=m.context)
        po.update(pot, update_header_comment=False, update_creation_date=False)
        write_catalogue(po_path, po)
    return po_path


def fields(text):
    """The ``{fields}`` of a literal, as a multiset; a quoted word inside a field
    (``{'agree' if ok else 'differ'}``) may be translated, so quoted text counts as ``''``."""
    return collections.Counter(_QUOTED.sub("''", f) for f in _FIELD.findall(text))


def problems(src, cat, lang="zh"):
    """Why a catalogue cannot build its lesson: one message per untranslated markdown cell,
    stale or fuzzy entry, or string whose {fields} changed. Empty: the catalogue is complete."""
    from build_lessons import parse
    name = catalogue_path(src, lang).name
    wanted = messages(parse(pathlib.Path(src).read_text(encoding="utf-8")))
    present = set(wanted)
    cells_md = [m for c, m in wanted if c == MARKDOWN]
    tokens = set(_all_tokens(src))
    out = []
    entries = {(m.context, m.id): m for m in cat if m.id}
    for context, msgid in entries:
        m = entries[(context, msgid)]
        head = f"{name}: {context} entry {msgid[:60]!r}"
        if context not in (MARKDOWN, STRING, COMMENT):
            out.append(f"{head}: unknown msgctxt (use markdown, string or comment)")
        elif context == MARKDOWN and (context, msgid) not in present or \
                context != MARKDOWN and (context, msgid) not in tokens:
            out.append(f"{head} is stale: the source no longer has it (run tools/translate.py extract)")
        if m.fuzzy:
            out.append(f"{head} is marked fuzzy: check the translation and remove the fuzzy flag")
        if m.string and context in (STRING, COMMENT) and fields(m.string) != fields(msgid):
            out.append(f"{head}: the translation's {{fields}} {sorted(fields(m.string))} differ from the "
                       f"source's {sorted(fields(msgid))}")
        if m.string and context == STRING and _quotes(m.string) != _quotes(msgid):
            out.append(f"{head}: the translation must be the same kind of literal ({_quotes(msgid)})")
        if m.string and context == COMMENT and not m.string.startswith("#"):
            out.append(f"{head}: a comment's translation must start with #")
    for md in cells_md:
        m = entries.get((MARKDOWN, md))
        if m is None or not m.string:
            out.append(f"{name}: markdown cell {md[:60]!r} has no translation")
    return out


def _quotes(literal):
    return re.match(r"^[rRbBuUfF]*('''|\"\"\"|'|\")", literal).group(0).lower()


def _all_tokens(src):
    from build_lessons import parse
    for cell in parse(pathlib.Path(src).read_text(encoding="utf-8")):
        if cell.cell_type == "code":
            for kind, start, end in code_tokens(cell.source):
                yield kind, cell.source[start:end]


def apply(code, table):
    """``code`` with each string/comment token found in ``table`` ({(kind, text): new}) replaced."""
    out = code
    for kind, start, end in reversed(code_tokens(code)):
        new = table.get((kind, code[start:end]))
        if new:
            out = out[:start] + new + out[end:]
    return out


def translate(src, lang="zh", cat=None):
    """The cells of the lesson ``src`` in ``lang`` (no outputs), from its catalogue; raises
    SystemExit naming every problem if the catalogue is incomplete, stale or wrong."""
    from build_lessons import parse
    src = pathlib.Path(src)
    if cat is None:
        path = catalogue_path(src, lang)
        if not path.exists():
            raise SystemExit(f"{src.name} has no {lang} catalogue: run tools/translate.py extract {src}, "
                             f"copy {path.with_suffix('.pot').name} to {path.name} and translate it")
        cat = read_catalogue(path)
    found = problems(src, cat, lang)
    if found:
        raise SystemExit(f"not built, the {lang} catalogue of {src.name} is not ready:\n  " + "\n  ".join(found))
    table = {(m.context, m.id): m.string for m in cat if m.id and m.string}
    cells = [nbformat.v4.new_code_cell(switch_cell(lang))]
    for cell in parse(src.read_text(encoding="utf-8")):
        if cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(table[(MARKDOWN, cell.source)]))
        else:
            cells.append(nbformat.v4.new_code_cell(apply(cell.source, table)))
    return cells


def main(argv):
    from build_lessons import sources
    if not argv or argv[0] not in ("extract", "check"):
        print(__doc__)
        return 2
    paths = [pathlib.Path(a) for a in argv[1:]] or \
        [p for p in sources() if p.parent == ROOT / "lessons" / "src"]
    if argv[0] == "extract":
        for path in paths:
            print(f"{path.name}: {catalogue_path(path, suffix='.pot').relative_to(ROOT)} written"
                  + (", .po updated" if catalogue_path(path).exists() else ""))
            extract(path)
        return 0
    bad = 0
    for path in paths:
        if catalogue_path(path).exists():
            found = problems(path, read_catalogue(catalogue_path(path)))
            bad += len(found)
            print("\n".join(found) or f"{catalogue_path(path).name}: complete")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
