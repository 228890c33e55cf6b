"""The record of a run: an event log, a training history, and the figures computed from them.

The event log is the single source for timelines, animations and statistics. Each ``Event`` is
one interval of simulated time on one row (a worker, or ``"ps"`` for the parameter server,
``"all"`` for a replicated apply after a collective exchange: ring all-reduce, colocated shards):

===============  ==========================================================================
worker           int worker index, or ``"ps"`` / ``"all"``
kind             ``pull`` | ``compute`` | ``push`` | ``wait`` | ``apply`` (``push`` is the
                 all-reduce exchange under ``RingAllReduce``)
start, end       seconds of simulated time
version_read     parameter version the gradient was computed from (None if not applicable)
version_written  version created by an ``apply`` (None otherwise)
staleness        for ``apply``: updates that landed between the read and this write
dropped          True if the strategy threw the work away (a backup worker's late gradient);
                 work still in flight when the run stopped is cut at the end, not dropped
label            free text (pipelines: ``"F3"`` forward of microbatch 3, ``"B3"``, ``"send x"``)
===============  ==========================================================================
"""
import csv
import io
import json
import math
from collections import Counter
from typing import NamedTuple, Optional, Union

import numpy as np

from ..core.files import atomic_write as write_atomic  # one way to write files (checkpoints too)

KINDS = ("pull", "compute", "push", "wait", "apply")
FIELDS = ("worker", "kind", "start", "end", "version_read", "version_written", "staleness",
          "dropped", "label")


class Event(NamedTuple):
    worker: Union[int, str]
    kind: str
    start: float
    end: float
    version_read: Optional[int] = None
    version_written: Optional[int] = None
    staleness: Optional[int] = None
    dropped: bool = False
    label: str = ""

    @property
    def duration(self):
        return self.end - self.start


class HistoryPoint(NamedTuple):
    """One evaluation: simulated ``time``, server ``updates`` so far, ``gradients`` applied so
    far, evaluation ``loss`` and ``metric`` at the server's parameters, and the mean minibatch
    loss the workers reported since the previous point (``batch_loss``)."""
    time: float
    updates: int
    gradients: int
    loss: float
    metric: float
    batch_loss: float


# ----------------------------------------------------------------------------- summaries

def summarize(events, history=(), target_loss=None):
    """Figures of a run, from its log (and history, for losses):

    ``updates_per_second`` (applies per second of simulated time), ``time_per_update``,
    ``idle_fraction`` (share of worker time not spent computing), ``wasted_fraction`` (share of
    compute time whose gradient was dropped), ``mean_staleness`` and ``staleness_counts``
    (over applied updates), ``time_to_target`` (first time the evaluation loss is <= target),
    ``final_loss`` and ``loss_noise`` (see ``loss_noise``)."""
    events = list(events)
    makespan = max((e.end for e in events), default=0.0)
    applies = [e for e in events if e.kind == "apply" and not e.dropped]
    workers = sorted({e.worker for e in events if isinstance(e.worker, int)})
    busy = sum(e.end - e.start for e in events if e.kind == "compute")
    wasted = sum(e.end - e.start for e in events if e.kind == "compute" and e.dropped)
    stale = [e.staleness for e in applies if e.staleness is not None]
    counts = dict(sorted(Counter(stale).items()))
    out = {
        "workers": len(workers),
        "updates": len(applies),
        "makespan": makespan,
        "updates_per_second": len(applies) / makespan if makespan > 0 else math.nan,
        "time_per_update": makespan / len(applies) if applies else math.nan,
        "idle_fraction": max(0.0, 1.0 - busy / (len(workers) * makespan)) if workers and makespan > 0 else math.nan,
        "wasted_fraction": wasted / busy if busy > 0 else 0.0,
        "mean_staleness": float(np.mean(stale)) if stale else math.nan,
        "max_staleness": max(stale) if stale else None,
        "staleness_counts": counts,
    }
    losses = [h for h in history if not math.isnan(h.loss)]
    out["final_loss"] = losses[-1].loss if losses else math.nan
    out["loss_noise"] = loss_noise(history)
    out["time_to_target"] = time_to_target(history, target_loss) if target_loss is not None else None
    return out


def time_to_target(history, target_loss):
    """First simulated time at which the evaluation loss is <= ``target_loss`` (None: never)."""
    for h in history:
        if h.loss <= target_loss:
            return h.time
    return None


def loss_noise(history):
    """How jittery the evaluation loss is: the mean uphill step of the log-loss per evaluation,
    ``mean(max(0, log L_k − log L_{k−1}))``. A curve that only goes down scores 0. It depends on
    the spacing of evaluations: compare runs with the same ``eval_every`` (1: per update)."""
    L = np.array([h.loss for h in history if not math.isnan(h.loss) and h.loss > 0])
    if len(L) < 3:
        return math.nan
    d = np.diff(np.log(L))
    return float(np.mean(np.clip(d, 0.0, None)))


# ----------------------------------------------------------------------------- export

def _cell(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def events_to_csv(events, path=None):
    """The log as CSV text (one row per event, columns ``FIELDS``); written to ``path`` if given."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FIELDS)
    for e in events:
        w.writerow([_cell(v) for v in e])
    text = buf.getvalue()
    if path is not None:
        write_atomic(path, text)
    return text


def _opt_int(s):
    return None if s == "" else int(s)


def read_events_csv(path):
    """Read a log written by ``events_to_csv`` back into ``Event`` records."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        worker = r["worker"]
        worker = int(worker) if worker.lstrip("-").isdigit() else worker
        out.append(Event(worker, r["kind"], float(r["start"]), float(r["end"]),
                         _opt_int(r["version_read"]), _opt_int(r["version_written"]),
                         _opt_int(r["staleness"]), r["dropped"] == "True", r["label"]))
    return out


def history_to_csv(history, path=None):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HistoryPoint._fields)
    for h in history:
        w.writerow([_cell(v) for v in h])
    text = buf.getvalue()
    if path is not None:
        write_atomic(path, text)
    return text


def read_history_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [HistoryPoint(float(r["time"]), int(r["updates"]), int(r["gradients"]),
                         float(r["loss"]), float(r["metric"]), float(r["batch_loss"]))
            for r in rows]


def _row_name(worker):
    if isinstance(worker, int):
        return f"worker {worker}"
    return {"ps": "parameter server", "all": "all workers (apply)"}.get(worker, str(worker))


def chrome_trace(events, names=None, process="teachflow.distributed"):
    """The log as a Chrome trace dict (open the JSON in https://ui.perfetto.dev or
    chrome://tracing): one complete event (``"ph": "X"``) per record, ``ts``/``dur`` in µs, one
    thread (``tid``) per row. ``names`` maps a row (worker) to its display name."""
    events = list(events)
    rows = sorted({e.worker for e in events}, key=lambda w: (not isinstance(w, int), str(w) if not isinstance(w, int) else w))
    tid = {w: i for i, w in enumerate(rows)}
    names = dict(names or {})
    trace = [{"name": "process_name", "ph": "M", "pid": 0, "tid": 0, "args": {"name": process}}]
    for w in rows:
        trace.append({"name": "thread_name", "ph": "M", "pid": 0, "tid": tid[w],
                      "args": {"name": names.get(w, _row_name(w))}})
        trace.append({"name": "thread_sort_index", "ph": "M", "pid": 0, "tid": tid[w],
                      "args": {"sort_index": tid[w]}})
    for e in events:
        args = {"worker": e.worker, "version_read": e.version_read,
                "version_written": e.version_written, "staleness": e.staleness,
                "dropped": e.dropped, "label": e.label}
        trace.append({"name": e.label or e.kind, "cat": e.kind, "ph": "X", "pid": 0,
                      "tid": tid[e.worker], "ts": e.start * 1e6, "dur": (e.end - e.start) * 1e6,
                      "args": args})
    return {"traceEvents": trace, "displayTimeUnit": "ms"}


def write_chrome_trace(events, path, names=None):
    write_atomic(path, json.dumps(chrome_trace(events, names), allow_nan=False))
    return path


def read_chrome_trace(path):
    """Events back from a trace written by ``write_chrome_trace`` (times from µs, so equal to
    the originals up to float rounding)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out = []
    for t in data["traceEvents"]:
        if t.get("ph") != "X":
            continue
        a = t["args"]
        start = t["ts"] / 1e6
        out.append(Event(a["worker"], t["cat"], start, start + t["dur"] / 1e6, a["version_read"],
                         a["version_written"], a["staleness"], a["dropped"], a["label"]))
    return out
