"""What is visible at simulated time t, read from a run's event log.

The log is the single source: ``EventIndex(result).frame_at(t)`` says, for every worker, what it
is doing at t (computing on version 3, pulling, pushing, waiting at the barrier), which messages
are in flight and how far they got, the server's version, the losses evaluated so far and
whether the target was reached. Nothing is simulated twice, and the same frame is drawn by the
race, the flowcharts and the exported animations. Lookups are binary searches, so a frame costs
microseconds even for long runs.
"""
import math
from bisect import bisect_right
from dataclasses import dataclass
from numbers import Real

import numpy as np

IDLE = "idle"


def cursor_time(t):
    """A cursor time as a float; a NaN (a broken slider) is an error, not a blank frame."""
    if isinstance(t, bool) or not isinstance(t, Real) or math.isnan(t):
        raise ValueError(f"t must be a simulated time in seconds (a number), got {t!r}")
    return float(t)


@dataclass(frozen=True)
class Activity:
    """What one worker does at the frame's time: ``kind`` (compute, pull, push, wait or idle),
    the interval ``start``..``end``, the parameter ``version`` it works from, and ``dropped``
    (work that will be thrown away)."""
    kind: str
    start: float = math.nan
    end: float = math.nan
    version: object = None
    dropped: bool = False

    def progress(self, t):
        """How far through the activity ``t`` is, in [0, 1]."""
        if not self.end > self.start:
            return 1.0
        return min(1.0, max(0.0, (t - self.start) / (self.end - self.start)))


@dataclass(frozen=True)
class Flow:
    """A message in flight: ``kind`` is ``"pull"`` (parameters, server -> worker) or ``"push"``
    (gradient, worker -> server); ``progress`` goes from 0 (just sent) to 1 (arrived)."""
    worker: int
    kind: str
    progress: float


@dataclass(frozen=True)
class StrategyFrame:
    """One run at time ``time``: ``version`` of the server's parameters, each worker's
    ``activities``, the ``flows`` in flight, ``waiting`` (workers blocked at the barrier or the
    staleness bound), ``last_update`` (time of the latest update, or None), the evaluations so
    far (``loss_time``, ``loss_updates``, ``loss``), ``reached`` (time the target loss was first
    reached, if by now) and ``noise`` (how jittery the loss has been so far)."""
    name: str
    time: float
    version: int
    activities: tuple
    flows: tuple
    waiting: int
    last_update: object
    loss_time: tuple
    loss_updates: tuple
    loss: tuple
    reached: object
    noise: float

    @property
    def last_loss(self):
        return self.loss[-1] if self.loss else math.nan


class EventIndex:
    """Per-worker sorted intervals and the server's update times of one ``RunResult``, for
    fast ``frame_at(t)``. ``glow``: with a free network (no pull/push intervals in the log), a
    pull is shown for ``glow`` seconds after each computation starts and a push after it ends.
    The whole history as arrays: ``history_time``, ``history_updates``, ``history_loss``;
    ``reached_at``: when the target loss was first reached (None: never)."""

    def __init__(self, result, name=None, target_loss=None, glow=0.3):
        self.result = result
        self.name = str(result.strategy) if name is None else name
        self.n = result.cluster.size
        self.target_loss = result.target_loss if target_loss is None else target_loss
        self.glow = float(glow)
        rows = [[] for _ in range(self.n)]
        for e in result.events:
            if isinstance(e.worker, int) and e.end > e.start:
                rows[e.worker].append(e)
        for r in rows:
            r.sort(key=lambda e: (e.start, e.end))
        self._rows = rows
        self._starts = [[e.start for e in r] for r in rows]
        self._messages = any(e.kind in ("pull", "push") for r in rows for e in r)
        if not self._messages:
            self._computes = [[e for e in r if e.kind == "compute"] for r in rows]
            self._cstarts = [[e.start for e in r] for r in self._computes]
            self._cends = [[e.end for e in r] for r in self._computes]
        applies = sorted((e.start, e.version_written) for e in result.events
                         if e.kind == "apply" and not e.dropped)
        self._apply_t = [a for a, _ in applies]
        self._apply_v = [v for _, v in applies]
        h = result.history
        self.history_time = np.array([p.time for p in h], dtype=float)
        self.history_updates = np.array([p.updates for p in h], dtype=int)
        self.history_loss = np.array([p.loss for p in h], dtype=float)
        self._time_list = self.history_time.tolist()
        ok = np.isfinite(self.history_loss) & (self.history_loss > 0)
        self._valid_before = np.concatenate([[0], np.cumsum(ok)])   # valid points among first k
        lv = self.history_loss[ok]
        up = np.clip(np.diff(np.log(lv)), 0.0, None) if len(lv) > 1 else np.zeros(0)
        self._uphill = np.concatenate([[0.0], np.cumsum(up)])
        self.reached_at = None
        if self.target_loss is not None:
            hit = np.nonzero(self.history_loss <= self.target_loss)[0]
            if len(hit):
                self.reached_at = float(self.history_time[hit[0]])
        self.duration = max([e.end for e in result.events] + [self.history_time[-1] if len(self.history_time) else 0.0])

    # ----- lookups
    def activity(self, w, t):
        i = bisect_right(self._starts[w], t) - 1
        if i >= 0:
            e = self._rows[w][i]
            if t < e.end:
                return Activity(e.kind, e.start, e.end, e.version_read, e.dropped)
        return Activity(IDLE)

    def version_at(self, t):
        i = bisect_right(self._apply_t, t)
        return self._apply_v[i - 1] if i else 0

    def last_update(self, t):
        i = bisect_right(self._apply_t, t)
        return self._apply_t[i - 1] if i else None

    def flows_at(self, t, activities):
        out = []
        if self._messages:
            for w, a in enumerate(activities):
                if a.kind in ("pull", "push"):
                    out.append(Flow(w, a.kind, a.progress(t)))
            return tuple(out)
        g = self.glow
        if g <= 0:
            return ()
        for w in range(self.n):
            starts, ends = self._cstarts[w], self._cends[w]
            i = bisect_right(starts, t) - 1
            if i >= 0 and t - starts[i] < g:
                out.append(Flow(w, "pull", (t - starts[i]) / g))
            j = bisect_right(ends, t) - 1
            if j >= 0 and t - ends[j] < g and not self._computes[w][j].dropped:
                out.append(Flow(w, "push", (t - ends[j]) / g))
        return tuple(out)

    def evaluations(self, t):
        """Number of evaluations at or before t."""
        return bisect_right(self._time_list, t)

    def noise(self, k):
        """``loss_noise`` of the first k evaluations: mean uphill step of the log-loss."""
        m = int(self._valid_before[k])
        if m < 3:
            return math.nan
        return float(self._uphill[m - 1] / (m - 1))

    def frame_at(self, t):
        t = float(t)
        acts = tuple(self.activity(w, t) for w in range(self.n))
        k = self.evaluations(t)
        reached = self.reached_at if self.reached_at is not None and self.reached_at <= t else None
        return StrategyFrame(
            name=self.name, time=t, version=self.version_at(t), activities=acts,
            flows=self.flows_at(t, acts), waiting=sum(a.kind == "wait" for a in acts),
            last_update=self.last_update(t),
            loss_time=tuple(self.history_time[:k].tolist()), loss_updates=tuple(self.history_updates[:k].tolist()),
            loss=tuple(self.history_loss[:k].tolist()), reached=reached, noise=self.noise(k))

    def loss_arrays(self, t):
        """(times, updates, losses) evaluated up to t, as NumPy views (for drawing)."""
        k = self.evaluations(t)
        return self.history_time[:k], self.history_updates[:k], self.history_loss[:k]
