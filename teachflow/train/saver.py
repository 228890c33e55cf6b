"""Checkpoints: variable values saved as NumPy ``.npz`` plus a small JSON index, never pickles.

A checkpoint ``prefix`` (``ckpt/model-1000``) is two files: ``prefix.npz`` (the arrays) and
``prefix.index`` (names, shapes, dtypes and the SHA-256 of the data file). Both are written in
full to temporary files before either is renamed into place (a failed rename is undone), so an
error while saving never leaves a half checkpoint or a damaged earlier one; if the machine dies
between the two renames, the checksum makes the pair fail loudly instead of loading mixed data.
Restore checks everything before it assigns anything, so a bad file restores nothing.
``np.load(..., allow_pickle=False)`` means a checkpoint can hold only plain arrays: loading a
classmate's checkpoint never runs code.
"""
import hashlib
import io
import json
import os
import zipfile

import numpy as np

from ..core import errors
from ..core.files import atomic_write, remove_quietly, write_files
from ..core.graph import GraphKeys, Tensor, get_default_graph
from ..core.shapes import fmt
from ..core.variables import Variable

FORMAT = "teachflow-checkpoint-1"
STATE_FILE = "checkpoint"


class Saver:
    """``saver = tf.train.Saver()``; ``saver.save(sess, "ckpt/model", global_step=step)``;
    ``saver.restore(sess, tf.train.latest_checkpoint("ckpt"))``.

    ``var_list``: None (all global variables), a list of variables (saved under their op names),
    or a dict ``{name in checkpoint: variable}`` -- restoring a subset is how transfer learning
    reuses lower layers.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False, save_relative_paths=False, filename=None):
        if var_list is None:
            var_list = get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES)
        if isinstance(var_list, dict):
            items = dict(var_list)
        else:
            items = {}
            for v in var_list:
                if not isinstance(v, Variable):
                    raise TypeError(f"Saver var_list must hold tf.Variables, got {v!r}")
                if v.op.name in items:
                    raise ValueError(f"At least two variables have the same name: {v.op.name}")
                items[v.op.name] = v
        for k, v in items.items():
            if not isinstance(v, Variable):
                raise TypeError(f"Saver var_list[{k!r}] must be a tf.Variable, got {v!r}")
        if not items and not allow_empty:
            raise ValueError("No variables to save: create variables before the Saver, or pass "
                             "var_list=.")
        self._vars = items
        self._max_to_keep = max_to_keep
        self._last = []

    @property
    def last_checkpoints(self):
        return list(self._last)

    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta",
             write_meta_graph=True, write_state=True, strip_default_attrs=False):
        """Write the variables' values; returns the checkpoint prefix (``save_path-step``)."""
        if global_step is not None:
            if isinstance(global_step, Tensor):
                global_step = sess.run(global_step)
            save_path = f"{save_path}-{int(global_step)}"
        arrays, meta = {}, []
        for i, (name, var) in enumerate(sorted(self._vars.items())):
            if var.graph is not sess.graph:
                raise ValueError(f"Cannot save {name}: variable {var.op.name} belongs to another graph "
                                 "than the session's.")
            try:
                value = np.asarray(sess.state.values[var])
            except KeyError:
                raise errors.FailedPreconditionError(
                    f"Cannot save {name}: variable {var.op.name} is not initialized in this session.",
                    var.op) from None
            key = f"v{i}"
            arrays[key] = value
            meta.append({"name": name, "key": key, "shape": list(value.shape), "dtype": value.dtype.name})
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        data = buf.getvalue()
        index = {"format": FORMAT, "data_sha256": hashlib.sha256(data).hexdigest(),
                 "variables": meta}
        write_files({save_path + ".npz": data,
                     save_path + ".index": json.dumps(index, indent=1).encode()})
        if save_path in self._last:
            self._last.remove(save_path)
        self._last.append(save_path)
        old = []
        while self._max_to_keep and len(self._last) > self._max_to_keep:
            old.append(self._last.pop(0))
        if write_state:  # as TF: the state file first, then the old files go
            _write_state(os.path.dirname(os.path.abspath(save_path)), save_path, self._last,
                         latest_filename or STATE_FILE)
        for path in old:
            for ext in (".index", ".npz"):
                remove_quietly(path + ext)
        return save_path

    def restore(self, sess, save_path):
        """Load this saver's variables from ``save_path``; all checked before any is assigned."""
        if save_path is None:
            raise ValueError("Can't load save_path when it is None (did tf.train.latest_checkpoint "
                             "find no checkpoint in that folder?).")
        stored = read_checkpoint(save_path)
        new = {}
        for name, var in self._vars.items():
            if var.graph is not sess.graph:
                raise ValueError(f"Cannot restore {name}: variable {var.op.name} belongs to another "
                                 "graph than the session's.")
            if name not in stored:
                raise errors.NotFoundError(
                    f"Key {name} not found in checkpoint {save_path} (it holds: "
                    f"{', '.join(sorted(stored)) or 'nothing'}). Restore only the variables the "
                    "checkpoint has, e.g. Saver(var_list=tf.get_collection(tf.GraphKeys."
                    "GLOBAL_VARIABLES, scope=...)).", var.op)
            value = stored[name]
            if not var.shape.is_compatible_with(value.shape):
                raise errors.InvalidArgumentError(
                    f"Cannot restore {name}: the checkpoint holds shape {fmt(value.shape)} but the "
                    f"variable has shape {fmt(var._dims)}.", var.op)
            if value.dtype != var.dtype.np:
                raise errors.InvalidArgumentError(
                    f"Cannot restore {name}: the checkpoint holds {value.dtype.name} but the variable "
                    f"is {var.dtype.name}.", var.op)
            new[var] = value
        sess.state.update(new)


def read_checkpoint(save_path):
    """``{name: array}`` from a checkpoint prefix, after checking its index and checksum.

    Only plain arrays are accepted (``allow_pickle=False``): an object array or a pickle is
    refused with DataLossError, never unpickled."""
    index_path, data_path = save_path + ".index", save_path + ".npz"
    if not os.path.exists(index_path) or not os.path.exists(data_path):
        raise errors.NotFoundError(
            f"Failed to find a checkpoint at {save_path}: expected {os.path.basename(index_path)} and "
            f"{os.path.basename(data_path)} in {os.path.dirname(os.path.abspath(save_path))}.")
    try:
        with open(index_path, "rb") as f:
            index = json.loads(f.read().decode())
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise ValueError(f"unknown format {index.get('format') if isinstance(index, dict) else index!r}")
        entries = index["variables"]
        for e in entries:
            if not (isinstance(e["name"], str) and isinstance(e["key"], str)):
                raise ValueError(f"bad entry {e!r}")
            tuple(int(d) for d in e["shape"]), str(e["dtype"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise errors.DataLossError(f"Checkpoint index {index_path} is corrupt or not a teachflow "
                                   f"checkpoint ({e}). Nothing was restored.") from None
    with open(data_path, "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != index.get("data_sha256"):
        raise errors.DataLossError(f"Checkpoint data {data_path} is truncated or corrupt: its SHA-256 "
                                   f"does not match {os.path.basename(index_path)}. Nothing was restored.")
    out = {}
    try:
        npz = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise errors.DataLossError(f"Checkpoint data {data_path} could not be read as .npz ({e}). "
                                   "Nothing was restored.") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise errors.DataLossError(f"Checkpoint data {data_path} is a single .npy array, not an .npz "
                                   "archive. Nothing was restored.")
    with npz:
        for e in entries:
            name = e["name"]
            try:
                value = npz[e["key"]]
            except ValueError as err:
                if "pickle" in str(err):
                    raise errors.DataLossError(
                        f"Checkpoint data {data_path} holds a Python object (pickle) for {name}, not "
                        "a plain array. teachflow refuses to unpickle checkpoints: loading a pickle "
                        "can run arbitrary code. Nothing was restored.") from None
                raise errors.DataLossError(f"Checkpoint data {data_path}: {name} could not be read "
                                           f"({err}). Nothing was restored.") from None
            except (KeyError, OSError, EOFError, zipfile.BadZipFile) as err:
                raise errors.DataLossError(f"Checkpoint data {data_path}: {name} could not be read "
                                           f"({err}). Nothing was restored.") from None
            if not isinstance(value, np.ndarray) or value.dtype.hasobject:
                raise errors.DataLossError(
                    f"Checkpoint data {data_path}: {name} is not a plain numeric array. Nothing was "
                    "restored.")
            if list(value.shape) != [int(d) for d in e["shape"]] or value.dtype.name != e["dtype"]:
                raise errors.DataLossError(
                    f"Checkpoint data {data_path}: {name} holds {value.dtype.name} of shape "
                    f"{fmt(value.shape)} but the index says {e['dtype']} of shape {fmt(tuple(e['shape']))}. "
                    "Nothing was restored.")
            out[name] = value
    return out


def _quote(path):
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(text):
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            i += 1
            c = body[i]
        out.append(c)
        i += 1
    return "".join(out)


def _write_state(folder, latest, all_paths, filename):
    """The ``checkpoint`` file in TF's text format (paths relative to ``folder``)."""
    def rel(p):
        return os.path.relpath(os.path.abspath(p), folder)
    lines = [f"model_checkpoint_path: {_quote(rel(latest))}"]
    lines += [f"all_model_checkpoint_paths: {_quote(rel(p))}" for p in all_paths]
    atomic_write(os.path.join(folder, filename), ("\n".join(lines) + "\n").encode())


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint recorded in ``checkpoint_dir``, or None."""
    state = os.path.join(checkpoint_dir, latest_filename or STATE_FILE)
    if not os.path.isfile(state):
        return None
    with open(state, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "model_checkpoint_path":
                p = _unquote(value)
                if not p:
                    return None
                p = p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
                return p if checkpoint_exists(p) else None
    return None


def checkpoint_exists(checkpoint_prefix):
    return os.path.exists(checkpoint_prefix + ".index")


def list_variables(ckpt_dir_or_file):
    """``[(name, shape), ...]`` stored in a checkpoint (a prefix, or a folder's latest)."""
    path = latest_checkpoint(ckpt_dir_or_file) if os.path.isdir(ckpt_dir_or_file) else ckpt_dir_or_file
    return sorted((k, list(v.shape)) for k, v in read_checkpoint(path).items())
