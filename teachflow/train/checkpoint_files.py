"""Reading a checkpoint that may come from anyone: every byte is data, checked before use.

A checkpoint ``prefix`` is ``prefix.index`` (JSON: format, names, shapes, dtypes, the SHA-256 of
the data file and of the index itself) and ``prefix.npz`` (the arrays, one ``.npy`` member each).
Before anything is allocated: the index is size-bounded and every field validated (names by
TF1's rule, since a name from a received checkpoint goes on to ``tf.get_variable``), the data
file's size is compared with what the index promises, each member's ``.npy`` header is parsed
and compared with its index entry and its stored size; only then is an array read, and never
with pickle. The ``checkpoint`` state file may only point inside its own folder.
"""
import hashlib
import json
import os

import numpy as np

from ..core import errors
from ..core.graph import check_op_name
from ..core.shapes import fmt
from ..datasets.npz import NpzError, open_archive, read_member

FORMAT = "teachflow-checkpoint-2"      # 2: the index carries its own checksum
OLD_FORMATS = ("teachflow-checkpoint-1",)
STATE_FILE = "checkpoint"
DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")
MAX_INDEX_BYTES = 16 * 2 ** 20          # a JSON index of ~100,000 variables
MAX_VARIABLES = 100_000
MAX_STATE_BYTES = 2 ** 20
MAX_DATA_BYTES = 8 * 2 ** 30            # more than any teaching model; a received file above is refused
_MEMBER_SLACK = 4096                    # zip headers, the .npy header and the member name, per array
_INDEX_KEYS = {"format", "data_sha256", "index_sha256", "variables"}
_ENTRY_KEYS = {"name", "key", "shape", "dtype"}


# --------------------------------------------------------------------------- the index
def _canonical(index):
    body = {k: v for k, v in index.items() if k != "index_sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def seal_index(index):
    """``index`` with its ``index_sha256`` (the checksum of the rest, in canonical JSON)."""
    return dict(index, index_sha256=hashlib.sha256(_canonical(index)).hexdigest())


def index_bytes(entries, data):
    """The index file for ``entries`` (``[{name, key, shape, dtype}]``) and the data bytes."""
    index = seal_index({"format": FORMAT, "data_sha256": hashlib.sha256(data).hexdigest(),
                        "variables": entries})
    return json.dumps(index, indent=1).encode()


def _is_sha256(v):
    return isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v)


def _entry(e, i):
    if not isinstance(e, dict) or set(e) != _ENTRY_KEYS:
        raise ValueError(f"variables[{i}] must be an object with exactly the fields "
                         f"{sorted(_ENTRY_KEYS)}, got {str(e)[:80]}")
    name, key, shape, dtype = e["name"], e["key"], e["shape"], e["dtype"]
    try:
        check_op_name(name, "variable name")
    except (TypeError, ValueError) as err:
        raise ValueError(f"variables[{i}]: {err}") from None
    if not (isinstance(key, str) and 0 < len(key) <= 64 and key.isascii()
            and key.replace("_", "").isalnum()):
        raise ValueError(f"variables[{i}] ({name}): key must be a short archive member name "
                         f"(letters, digits, '_'), got {str(key)[:80]!r}")
    if not (isinstance(shape, list) and len(shape) <= 32 and all(
            type(d) is int and 0 <= d < 2 ** 40 for d in shape)):
        raise ValueError(f"variables[{i}] ({name}): shape must be a list of at most 32 "
                         f"non-negative ints, got {str(shape)[:80]}")
    if dtype not in DTYPES:
        raise ValueError(f"variables[{i}] ({name}): dtype must be one of {', '.join(DTYPES)}, "
                         f"got {str(dtype)[:40]!r}")
    return name, key, tuple(shape), dtype


def read_index(save_path):
    """The validated index of checkpoint ``save_path``: ``(entries, data_sha256)`` where
    ``entries`` is ``[(name, key, shape, dtype)]``. Raises DataLossError naming the file."""
    index_path = save_path + ".index"
    try:
        with open(index_path, "rb") as f:
            raw = f.read(MAX_INDEX_BYTES + 1)
    except FileNotFoundError:
        raise errors.NotFoundError(
            f"Failed to find a checkpoint at {save_path}: expected {os.path.basename(index_path)} "
            f"in {os.path.dirname(os.path.abspath(save_path))}.") from None
    except IsADirectoryError:
        raise errors.NotFoundError(f"Checkpoint index {index_path} is a folder, not a file.") from None
    try:
        if len(raw) > MAX_INDEX_BYTES:
            raise ValueError(f"it is larger than {MAX_INDEX_BYTES // 2 ** 20} MiB")
        index = json.loads(raw.decode("utf-8"))
        if not isinstance(index, dict):
            raise ValueError(f"it holds a JSON {type(index).__name__}, not an object")
        fmt_ = index.get("format")
        if fmt_ != FORMAT and fmt_ not in OLD_FORMATS:
            raise ValueError(f"unknown format {str(fmt_)[:60]!r} (expected {FORMAT!r})")
        allowed = _INDEX_KEYS if fmt_ == FORMAT else _INDEX_KEYS - {"index_sha256"}
        if set(index) != allowed:
            raise ValueError(f"fields {sorted(index)} differ from {sorted(allowed)}")
        if fmt_ == FORMAT and (not _is_sha256(index["index_sha256"]) or
                               hashlib.sha256(_canonical(index)).hexdigest() != index["index_sha256"]):
            raise ValueError("its index_sha256 does not match its content (the index was changed "
                             "or damaged)")
        if not _is_sha256(index["data_sha256"]):
            raise ValueError("data_sha256 must be 64 lowercase hex digits")
        variables = index["variables"]
        if not isinstance(variables, list) or len(variables) > MAX_VARIABLES:
            raise ValueError(f"variables must be a list of at most {MAX_VARIABLES:,} entries")
        entries = [_entry(e, i) for i, e in enumerate(variables)]
        for what, pos in (("name", 0), ("key", 1)):
            seen = set()
            for e in entries:
                if e[pos] in seen:
                    raise ValueError(f"the {what} {e[pos]!r} appears twice")
                seen.add(e[pos])
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise errors.DataLossError(f"Checkpoint index {index_path} is corrupt or not a teachflow "
                                   f"checkpoint: {e}. Nothing was restored.") from None
    return entries, index["data_sha256"]


def _nbytes(shape, dtype):
    n = np.dtype(dtype).itemsize
    for d in shape:
        n *= d
    return n


# --------------------------------------------------------------------------- the data
def read_checkpoint(save_path):
    """``{name: array}`` from checkpoint ``save_path``, after checking the index, the data
    file's size and checksum and each array's header; a pickle is refused, never loaded."""
    if not isinstance(save_path, (str, os.PathLike)) or not str(save_path):
        raise ValueError(f"A checkpoint path must be a non-empty string, got {save_path!r}.")
    save_path = os.fspath(save_path)
    entries, data_sha = read_index(save_path)
    data_path = save_path + ".npz"
    expected = sum(_nbytes(shape, dtype) for _, _, shape, dtype in entries)
    limit = expected + _MEMBER_SLACK * (len(entries) + 1)
    if expected > MAX_DATA_BYTES:
        raise errors.DataLossError(
            f"Checkpoint index {save_path}.index promises {expected:,} bytes of arrays, more than "
            f"teachflow reads ({MAX_DATA_BYTES:,}). Nothing was restored.")
    try:
        size = os.path.getsize(data_path)
        if size > limit:
            raise errors.DataLossError(
                f"Checkpoint data {data_path} is {size:,} bytes, but its index promises about "
                f"{expected:,} bytes of arrays: it holds trailing or unexpected data. Nothing was "
                "restored.")
        with open(data_path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise errors.NotFoundError(
            f"Failed to find a checkpoint at {save_path}: expected {os.path.basename(data_path)} "
            f"beside {os.path.basename(save_path)}.index.") from None
    if hashlib.sha256(data).hexdigest() != data_sha:
        raise errors.DataLossError(f"Checkpoint data {data_path} is truncated or corrupt: its SHA-256 "
                                   f"does not match {os.path.basename(save_path)}.index. Nothing "
                                   "was restored.")
    try:
        archive = open_archive(data)
    except NpzError as e:
        raise errors.DataLossError(f"Checkpoint data {data_path} could not be read as .npz ({e}). "
                                   "Nothing was restored.") from None
    out = {}
    with archive:
        members = {i.filename: i for i in archive.infolist()}
        keys = {key + ".npy" for _, key, _, _ in entries}
        extra = sorted(set(members) - keys)
        if extra:
            raise errors.DataLossError(
                f"Checkpoint data {data_path} holds arrays its index does not list "
                f"({', '.join(extra[:5])}). Nothing was restored.")
        for name, key, shape, dtype in entries:
            out[name] = _read_member(archive, members.get(key + ".npy"), data_path, name, shape, dtype)
    return out


def _read_member(archive, info, data_path, name, shape, dtype):
    if info is None:
        raise errors.DataLossError(f"Checkpoint data {data_path}: {name} is missing from the "
                                   "archive. Nothing was restored.")

    def expect(h_shape, h_dtype):
        if h_shape != shape or h_dtype.name != dtype:
            raise NpzError(f"holds {h_dtype.name} of shape {fmt(h_shape)} but the index says "
                           f"{dtype} of shape {fmt(shape)}")
    try:
        return read_member(archive, info, _nbytes(shape, dtype), expect)
    except NpzError as e:
        if e.pickle:
            raise errors.DataLossError(
                f"Checkpoint data {data_path} holds a Python object (pickle) for {name}, not a "
                "plain array. teachflow refuses to unpickle checkpoints: loading a pickle can "
                "run arbitrary code. Nothing was restored.") from None
        raise errors.DataLossError(f"Checkpoint data {data_path}: {name} {e}. Nothing was "
                                   "restored.") from None


# --------------------------------------------------------------------------- the state file
def quote(path):
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote(text):
    """The string inside TF's double quotes (backslash escapes), or None if ``text`` is not one."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    out, body, i = [], text[1:-1], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            if i + 1 >= len(body):
                return None
            i += 1
            c = body[i]
        elif c == '"':
            return None
        out.append(c)
        i += 1
    return "".join(out)


def read_state(checkpoint_dir, filename=STATE_FILE):
    """The newest checkpoint prefix the state file of ``checkpoint_dir`` records, or None when
    there is no state file. A binary or oversized file is a DataLossError; a path that leaves the
    folder (``../elsewhere/model``, an absolute path elsewhere) is refused."""
    state = os.path.join(checkpoint_dir, filename)
    if not os.path.isfile(state):
        return None
    with open(state, "rb") as f:
        raw = f.read(MAX_STATE_BYTES + 1)
    try:
        if len(raw) > MAX_STATE_BYTES:
            raise ValueError(f"it is larger than {MAX_STATE_BYTES // 2 ** 10} KiB")
        if b"\0" in raw:
            raise ValueError("it holds binary data")
        text = raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError) as e:
        raise errors.DataLossError(f"Checkpoint state file {state} is not a text 'checkpoint' "
                                   f"file: {e}. Delete it, or save again to rewrite it.") from None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() != "model_checkpoint_path":
            continue
        p = unquote(value)
        if not p:
            return None
        return inside(checkpoint_dir, p, state)
    return None


def inside(checkpoint_dir, p, state):
    """``p`` (relative to ``checkpoint_dir`` or absolute) if it stays inside that folder."""
    folder = os.path.realpath(checkpoint_dir)
    full = "" if "\0" in p else os.path.realpath(p if os.path.isabs(p) else os.path.join(checkpoint_dir, p))
    if not full or os.path.commonpath([folder, full]) != folder:
        raise errors.PermissionDeniedError(
            f"Checkpoint state file {state} points to {p!r}, outside its folder {folder}: "
            "teachflow only loads checkpoints from the folder the state file is in. Pass the "
            "path to restore() yourself if you trust it.")
    return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
