"""``tf.summary.FileWriter``: TensorBoard event files from a teachflow run.

Events go through TensorBoard's own writer (``EventFileWriter``: the TFRecord framing with its
CRCs, a ``brain.Event:2`` header, a background flush), so ``tensorboard --logdir`` and its
event-reading API read them as TensorFlow's. An event file is an append-only log, written as it
grows (as TensorFlow does) rather than replaced atomically. Without the optional extra the
writer says once what to install and then accepts everything without writing.
"""
import time
import warnings

from ..core.graph import Graph
from . import data
from .graph_def import graph_def as _graph_def

_WARNED = []


class TensorBoardMissingWarning(UserWarning):
    """The tensorboard extra is not installed: summaries run, but no event file is written."""


def _warn_missing(logdir):
    if not _WARNED:
        _WARNED.append(True)
        warnings.warn(
            f"tf.summary.FileWriter({logdir!r}) writes nothing: TensorBoard event files need the "
            f"optional extra. Install it with: {data.INSTALL_HINT}. Summary ops still run.",
            TensorBoardMissingWarning, stacklevel=3)


class FileWriter:
    """``writer = tf.summary.FileWriter(logdir, sess.graph)``; ``writer.add_summary(s, step)``.

    ``graph`` (or ``graph_def``) is written first, so TensorBoard's Graphs tab shows it with the
    same name scopes ``tf.viz`` draws. ``max_queue`` and ``flush_secs`` are TensorBoard's writer's.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        if not isinstance(logdir, str) or not logdir:
            raise TypeError(f"FileWriter expects a folder name (a non-empty string), got {logdir!r}")
        self._logdir = logdir
        self._options = (max_queue, flush_secs, filename_suffix or "")
        self._protos = data.load_protos()
        self._writer = None
        self._closed = False
        if self._protos is None:
            _warn_missing(logdir)
        else:
            self._open()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def _open(self):
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        max_queue, flush_secs, suffix = self._options
        self._writer = EventFileWriter(self._logdir, max_queue_size=max_queue, flush_secs=flush_secs,
                                       filename_suffix=suffix)
        self._closed = False

    def get_logdir(self):
        return self._logdir

    def _event(self, step=None, **fields):
        ev = self._protos["event_pb2"].Event(wall_time=time.time(), **fields)
        if step is not None:
            ev.step = int(step)
        return ev

    def add_event(self, event):
        """Write one ``Event`` message as is."""
        if self._writer is None:
            return
        if self._closed:
            raise RuntimeError(f"FileWriter for {self._logdir!r} is closed; call reopen() first.")
        self._writer.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Write what ``sess.run(summary_op)`` returned, labelled with ``global_step``."""
        if self._writer is None:
            if not isinstance(summary, (bytes, data.SummaryData)):
                raise TypeError("add_summary expects the result of sess.run(<summary op>), got "
                                f"{type(summary).__name__}.")
            return
        if global_step is not None and not isinstance(global_step, int):
            global_step = int(global_step)  # NumPy integers from sess.run(global_step)
        self.add_event(self._event(global_step, summary=data.as_summary_proto(summary, self._protos)))

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Write the graph (a ``tf.Graph``; or ``graph_def``, a GraphDef message) for the Graphs tab."""
        if graph is not None and not isinstance(graph, Graph):
            raise TypeError(f"FileWriter expects a tf.Graph such as sess.graph, got {graph!r}")
        if self._writer is None:
            return
        gd = graph_def if graph is None else _graph_def(graph, self._protos)
        self.add_event(self._event(global_step, graph_def=gd.SerializeToString()))

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        raise NotImplementedError("FileWriter.add_run_metadata is not supported in teachflow: runs "
                                  "record no step statistics (see tf.trace for a step-through).")

    def flush(self):
        if self._writer is not None and not self._closed:
            self._writer.flush()

    def close(self):
        if self._writer is not None and not self._closed:
            self._writer.close()
        self._closed = True

    def reopen(self):
        """After ``close()``, start a new event file in the same folder (TF1's behaviour)."""
        if self._protos is not None and self._closed:
            self._open()
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
