"""The record of a run: an event log, a training history, and the figures computed from them.

The event log is the single source for timelines, animations and statistics. Each ``Event`` is
one interval of simulated time on one row (a worker, or ``"ps"`` for the parameter server,
``"all"`` for a replicated apply after a ring all-reduce):

===============  ==========================================================================
worker           int worker index, or ``"ps"`` / ``"all"``
kind             ``pull`` | ``compute`` | ``push`` | ``wait`` | ``apply`` (``push`` is the
                 all-reduce exchange under ``RingAllReduce``)
start, end       seconds of simulated time
version_read     parameter version the gradient was computed from (None if not applicable)
version_written  version created by an ``apply`` (None otherwise)
staleness        for ``apply``: updates that landed between the read and this write
dropped          True if cut short: a backup worker's late gradient, or work still in flight
                 when the run stopped
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


class LogFileError(ValueError):
    """An event log, history or trace file that cannot be read; the message names the file,
    the line (or event) and the field."""


MAX_LOG_BYTES = 512 * 2 ** 20


def _read_text(path, what):
    """The text of ``path`` (UTF-8, no NUL byte, at most MAX_LOG_BYTES), else LogFileError."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_LOG_BYTES + 1)
    except IsADirectoryError:
        raise LogFileError(f"{path} is a folder, not {what}.") from None
    if len(raw) > MAX_LOG_BYTES:
        raise LogFileError(f"{path} is larger than {MAX_LOG_BYTES // 2 ** 20} MiB; not {what}.")
    if b"\0" in raw:
        raise LogFileError(f"{path} holds binary data, not {what} (a text file).")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LogFileError(f"{path} is not UTF-8 text ({e}); not {what}.") from None


def _csv_rows(path, fields, what):
    """``[(line number, {field: text})]`` of a CSV file whose header is exactly ``fields``."""
    text = _read_text(path, what)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        raise LogFileError(f"{path} is not valid CSV ({e}); not {what}.") from None
    if not rows:
        raise LogFileError(f"{path} is empty; {what} starts with the header {','.join(fields)}.")
    if tuple(rows[0]) != tuple(fields):
        raise LogFileError(f"{path}, line 1: the header is {','.join(rows[0])[:120]!r}, expected "
                           f"{','.join(fields)!r}; not {what}.")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(fields):
            raise LogFileError(f"{path}, line {n}: {len(row)} columns, expected {len(fields)} "
                               f"({','.join(fields)}); the file is truncated or damaged.")
        out.append((n, dict(zip(fields, row))))
    return out


def _field(path, n, name, text, parse, expected):
    try:
        return parse(text)
    except (ValueError, TypeError, OverflowError):
        raise LogFileError(f"{path}, line {n}: column {name!r} is {text[:40]!r}, expected "
                           f"{expected}.") from None


def _finite(text):
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(text)
    return v


def _opt_int(s):
    return None if s == "" else int(s)


def _bool(s):
    if s not in ("True", "False"):
        raise ValueError(s)
    return s == "True"


def _worker(s):
    if s.lstrip("-").isdigit():
        return int(s)
    if not s:
        raise ValueError(s)
    return s


def read_events_csv(path):
    """Read a log written by ``events_to_csv`` back into ``Event`` records; a malformed,
    binary or truncated file is a LogFileError naming the line and column."""
    out = []
    for n, r in _csv_rows(path, FIELDS, "an event log written by events_to_csv"):
        def f(name, parse, expected):
            return _field(path, n, name, r[name], parse, expected)
        start = f("start", _finite, "a finite number of seconds")
        end = f("end", _finite, "a finite number of seconds")
        if end < start:
            raise LogFileError(f"{path}, line {n}: the event ends ({end}) before it starts ({start}).")
        if not r["kind"]:
            raise LogFileError(f"{path}, line {n}: column 'kind' is empty, expected e.g. "
                               f"{', '.join(KINDS)}.")
        out.append(Event(f("worker", _worker, "a worker index or a row name such as 'ps'"),
                         r["kind"], start, end,
                         *(f(k, _opt_int, "an integer or nothing")
                           for k in ("version_read", "version_written", "staleness")),
                         f("dropped", _bool, "True or False"), r["label"]))
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
    """Read a history written by ``history_to_csv``; a bad file is a LogFileError naming the
    line and column."""
    out = []
    kinds = {"time": (_finite, "a finite number of seconds"),
             "updates": (int, "an integer"), "gradients": (int, "an integer"),
             "loss": (float, "a number"), "metric": (float, "a number"),
             "batch_loss": (float, "a number")}
    for n, r in _csv_rows(path, HistoryPoint._fields, "a history written by history_to_csv"):
        out.append(HistoryPoint(*(_field(path, n, k, r[k], *kinds[k]) for k in HistoryPoint._fields)))
    return out


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
    the originals up to float rounding); a bad file is a LogFileError naming the event."""
    text = _read_text(path, "a Chrome trace written by write_chrome_trace")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise LogFileError(f"{path} is not valid JSON ({e}); not a Chrome trace.") from None
    if not isinstance(data, dict) or not isinstance(data.get("traceEvents"), list):
        raise LogFileError(f"{path}: a Chrome trace is a JSON object with a 'traceEvents' list.")
    out = []
    for i, t in enumerate(data["traceEvents"]):
        if not isinstance(t, dict):
            raise LogFileError(f"{path}: traceEvents[{i}] is not an object.")
        if t.get("ph") != "X":
            continue
        a = t.get("args")
        try:
            if not isinstance(a, dict):
                raise ValueError("its 'args' is not an object")
            ts, dur = t.get("ts"), t.get("dur")
            for k, v in (("ts", ts), ("dur", dur)):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise ValueError(f"{k!r} is {v!r}, expected a finite number of µs")
            if dur < 0:
                raise ValueError(f"'dur' is {dur}, expected >= 0")
            worker = a.get("worker")
            if isinstance(worker, bool) or not isinstance(worker, (int, str)) or worker == "":
                raise ValueError(f"args.worker is {worker!r}, expected an int or a row name")
            if not isinstance(t.get("cat"), str) or not t["cat"]:
                raise ValueError(f"'cat' (the event kind) is {t.get('cat')!r}")
            for k in ("version_read", "version_written", "staleness"):
                v = a.get(k)
                if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                    raise ValueError(f"args.{k} is {v!r}, expected an int or null")
            if not isinstance(a.get("dropped"), bool):
                raise ValueError(f"args.dropped is {a.get('dropped')!r}, expected true or false")
            if not isinstance(a.get("label"), str):
                raise ValueError(f"args.label is {a.get('label')!r}, expected a string")
        except ValueError as e:
            raise LogFileError(f"{path}: traceEvents[{i}]: {e}.") from None
        start = ts / 1e6
        out.append(Event(worker, t["cat"], start, start + dur / 1e6, a["version_read"],
                         a["version_written"], a["staleness"], a["dropped"], a["label"]))
    return out
