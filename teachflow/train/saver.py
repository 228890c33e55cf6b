"""Checkpoints: variable values saved as NumPy ``.npz`` plus a small JSON index, never pickles.

A checkpoint ``prefix`` (``ckpt/model-1000``) is two files: ``prefix.npz`` (the arrays) and
``prefix.index`` (names, shapes, dtypes, the SHA-256 of the data file and of the index). Both are written in
full to temporary files before either is renamed into place (a failed rename is undone), so an
error while saving never leaves a half checkpoint or a damaged earlier one; if the machine dies
between the two renames, the checksum makes the pair fail loudly instead of loading mixed data.
Restore checks everything before it assigns anything, so a bad file restores nothing.
Reading (``checkpoint_files.py``) treats every byte as data: fields and names validated, sizes
checked before anything is allocated, arrays parsed from their ``.npy`` headers without pickle,
so loading a classmate's checkpoint never runs code nor exhausts memory.
"""
import io
import os

import numpy as np

from ..core import errors
from ..core.files import atomic_write, remove_quietly, write_files
from ..core.graph import GraphKeys, Tensor, check_op_name, get_default_graph
from ..core.shapes import fmt
from ..core.variables import Variable
from .meta_graph import meta_graph_bytes
from .checkpoint_files import (FORMAT, STATE_FILE, index_bytes, quote, read_checkpoint,  # noqa: F401
                               read_index, read_state, seal_index)


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
            check_op_name(k, "checkpoint variable name")
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
        """Write the variables' values (and, with ``write_meta_graph``, the graph as
        ``<prefix>.meta``); returns the checkpoint prefix (``save_path-step``)."""
        if not isinstance(save_path, (str, os.PathLike)) or not os.path.basename(os.fspath(save_path)):
            raise ValueError(
                f"Saver.save needs a checkpoint prefix such as 'ckpt/model', got {save_path!r}: "
                "an empty name would write hidden files ('.npz', '.index') into the folder.")
        save_path = os.fspath(save_path)
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
        files = {save_path + ".npz": data, save_path + ".index": index_bytes(meta, data)}
        if write_meta_graph:  # TF1: prefix.meta, the graph as data (train/meta_graph.py)
            files[f"{save_path}.{meta_graph_suffix}"] = meta_graph_bytes(sess.graph)
        try:
            write_files(files)
        except OSError as e:  # a full disk, a read-only folder: the earlier files are untouched
            raise type(e)(e.errno, f"Could not save checkpoint {save_path}: {e.strerror or e}. "
                          "Any earlier checkpoint with that name is unchanged.", save_path) from e
        if save_path in self._last:
            self._last.remove(save_path)
        self._last.append(save_path)
        old = []
        while self._max_to_keep and len(self._last) > self._max_to_keep:
            old.append(self._last.pop(0))
        if write_state:  # as TF: the state file first, then the old files go
            folder = os.path.dirname(os.path.abspath(save_path))
            try:
                _write_state(folder, save_path, self._last, latest_filename or STATE_FILE)
            except OSError as e:
                raise type(e)(e.errno, f"Saved checkpoint {save_path}, but could not update the "
                              f"state file in {folder}: {e.strerror or e}. The state file still "
                              "names the previous checkpoint.",
                              os.path.join(folder, latest_filename or STATE_FILE)) from e
        for path in old:
            for ext in (".index", ".npz", f".{meta_graph_suffix}"):
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


def _write_state(folder, latest, all_paths, filename):
    """The ``checkpoint`` file in TF's text format (paths relative to ``folder``)."""
    def rel(p):
        return os.path.relpath(os.path.abspath(p), folder)
    lines = [f"model_checkpoint_path: {quote(rel(latest))}"]
    lines += [f"all_model_checkpoint_paths: {quote(rel(p))}" for p in all_paths]
    atomic_write(os.path.join(folder, filename), ("\n".join(lines) + "\n").encode())


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint recorded in ``checkpoint_dir``, or None."""
    p = read_state(checkpoint_dir, latest_filename or STATE_FILE)
    return p if p is not None and checkpoint_exists(p) else None


def checkpoint_exists(checkpoint_prefix):
    return os.path.exists(checkpoint_prefix + ".index")


def list_variables(ckpt_dir_or_file):
    """``[(name, shape), ...]`` stored in a checkpoint (a prefix, or a folder's latest), read
    from its validated index only: no array is loaded."""
    if not isinstance(ckpt_dir_or_file, (str, os.PathLike)) or not os.fspath(ckpt_dir_or_file):
        raise ValueError(f"list_variables needs a checkpoint folder or prefix, got {ckpt_dir_or_file!r}.")
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        folder, path = path, latest_checkpoint(path)
        if path is None:
            raise errors.NotFoundError(
                f"No checkpoint found in folder {folder}: it has no '{STATE_FILE}' state file "
                "naming an existing checkpoint. Save one with tf.train.Saver().save(sess, "
                f"'{os.path.join(folder, 'model')}'), or pass a checkpoint prefix.")
    entries, _ = read_index(path)
    return sorted((name, list(shape)) for name, _, shape, _ in entries)
