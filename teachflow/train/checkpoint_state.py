"""``tf.train.get_checkpoint_state(folder)``: what the folder's ``checkpoint`` file records.

The ``checkpoint`` file (written by ``Saver.save``, TF's text format) names the newest prefix and
the ones kept. TF1 programs resume with ``ckpt = tf.train.get_checkpoint_state(d)`` then
``if ckpt and ckpt.model_checkpoint_path: saver.restore(sess, ckpt.model_checkpoint_path)``.
The file comes from outside, so it is read as data: size-limited, one ``key: "quoted path"`` per
line, and every path must stay inside the folder (a state file cannot point a restore elsewhere).
"""
import dataclasses
import os
import warnings

from .checkpoint_files import MAX_STATE_BYTES, STATE_FILE, quote, unquote

_FIELDS = ("model_checkpoint_path", "all_model_checkpoint_paths",
           "all_model_checkpoint_timestamps", "last_preserved_timestamp")


@dataclasses.dataclass(frozen=True)
class CheckpointState:
    """TF1's CheckpointState: the newest prefix and every prefix kept, oldest first (paths joined
    with the folder, as TF1 returns them)."""
    model_checkpoint_path: str
    all_model_checkpoint_paths: list
    all_model_checkpoint_timestamps: list = dataclasses.field(default_factory=list)
    last_preserved_timestamp: float = 0.0

    def __str__(self):  # the text format, as printing TF1's proto shows it
        lines = [f"model_checkpoint_path: {quote(self.model_checkpoint_path)}"]
        lines += [f"all_model_checkpoint_paths: {quote(p)}" for p in self.all_model_checkpoint_paths]
        return "\n".join(lines) + "\n"


class CheckpointStateWarning(UserWarning):
    """A ``checkpoint`` file could not be read; as TF1, it is ignored (None is returned)."""


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The ``CheckpointState`` recorded in ``checkpoint_dir``, or None when there is none (or, as in
    TF1, when the file cannot be parsed: a warning says why). A path leading outside the folder
    is an error."""
    if not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise TypeError(f"get_checkpoint_state expects a folder name, got {checkpoint_dir!r}")
    checkpoint_dir = os.fspath(checkpoint_dir)
    name = latest_filename or STATE_FILE
    if os.path.basename(name) != name or name in ("", ".", ".."):
        raise ValueError(f"latest_filename must be a file name inside the folder, got {name!r}")
    path = os.path.join(checkpoint_dir, name)
    if not os.path.isfile(path):
        return None
    try:
        fields = _parse(path)
    except ValueError as e:
        warnings.warn(f"{path}: {e}; checkpoint state ignored.", CheckpointStateWarning, stacklevel=2)
        return None
    latest = fields.get("model_checkpoint_path", [])
    if len(latest) != 1 or not latest[0]:
        raise ValueError(f"Invalid checkpoint state loaded from {path}: it must name exactly one "
                         "model_checkpoint_path.")
    folder = os.path.realpath(checkpoint_dir)
    resolve = lambda p: _inside(folder, checkpoint_dir, p, path)  # noqa: E731
    return CheckpointState(
        model_checkpoint_path=resolve(latest[0]),
        all_model_checkpoint_paths=[resolve(p) for p in fields.get("all_model_checkpoint_paths", [])],
        all_model_checkpoint_timestamps=[float(t) for t in fields.get("all_model_checkpoint_timestamps", [])],
        last_preserved_timestamp=float((fields.get("last_preserved_timestamp") or [0.0])[-1]))


def _parse(path):
    """``{field: [values]}`` from the text format; ValueError naming the line when malformed."""
    with open(path, "rb") as f:
        raw = f.read(MAX_STATE_BYTES + 1)
    if len(raw) > MAX_STATE_BYTES:
        raise ValueError(f"larger than {MAX_STATE_BYTES} bytes, so not a checkpoint state file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or key not in _FIELDS:
            raise ValueError(f"line {number} is not 'field: value' with a CheckpointState field: {line[:80]!r}")
        if key.endswith("timestamp") or key.endswith("timestamps"):
            try:
                parsed = float(value)
            except ValueError:
                raise ValueError(f"line {number}: {key} must be a number, got {value[:40]!r}") from None
        else:
            parsed = unquote(value)
            if parsed is None:
                raise ValueError(f"line {number}: {key} must be a quoted path, got {value[:80]!r}")
        out.setdefault(key, []).append(parsed)
    return out


def _inside(folder, checkpoint_dir, p, state_path):
    """``p`` joined with the folder; an error if it leads outside (``..``, an absolute path, a link)."""
    full = p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
    real = os.path.realpath(full)
    if os.path.commonpath([folder, real]) != folder:
        raise ValueError(
            f"The checkpoint state file {state_path} names {p!r}, which is outside {checkpoint_dir!r}. "
            "Checkpoints are restored only from inside their folder: move the checkpoint files into "
            "it (a folder saved on another machine may record absolute paths) or rewrite the file.")
    return full
