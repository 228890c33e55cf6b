"""The processes of a real run on Ray: parameter-server shards and workers (see ``real.py``).

This module imports Ray at the top; only ``real.train(..., backend="ray")`` imports it.

* ``ParameterShard``: one slice of the parameters. Shard 0 is the *coordinator*: it closes the
  synchronous steps (first ``need`` gradients to arrive), counts updates, enforces the SSP bound,
  records every apply and tells the other shards which workers' pieces to average. Updates use the
  simulator's own ``ParameterServer`` and ``mean_of`` (gradients summed in worker order), so the
  arithmetic is the simulator's to the bit.
* ``Worker``: builds its own copy of the model, walks its own shard of the data and loops pull ->
  compute (a real gradient, then a sleep that brings the computation up to the time drawn from the
  device's compute-time model, if any) -> push, recording each interval with wall-clock times.

Both are asyncio actors: a worker's sleep races the "step closed / run stopped" notice, so a
backup worker's late computation really is abandoned, and a push waits at the barrier without
blocking the server.
"""
import asyncio
import time

import numpy as np
import ray

from .runner import ParameterServer, mean_of

SYNC, LOCAL, ASYNC = "sync", "local", "async"


def _now(t0):
    return time.time() - t0


@ray.remote
class ParameterShard:
    """One parameter-server process holding ``params`` (a list of arrays: this shard's slice)."""

    async def setup(self, index, params, plan):
        """Reset this process for a new run (processes are reused: starting one takes seconds)."""
        self.index = index
        self.server = ParameterServer(params)
        self.mode = plan["mode"]
        self.n, self.need = plan["workers"], plan["need"]
        self.lr, self.aware, self.bound = plan["lr"], plan["staleness_aware"], plan["bound"]
        self.period = plan["period"]
        self.updates, self.until = plan["updates"], plan["until"]
        self.eval_every = plan["eval_every"]
        self.others = []
        self.t0 = None
        self.pieces = {}           # sync/local: step -> {worker: piece}
        self.closing = set()       # steps that have all the pieces they need
        self.step_done = {}        # step -> asyncio.Event (set when applied everywhere, or stop)
        self.arrived = asyncio.Condition()
        self.stopped = asyncio.Event()
        self.t_end = None
        self.applies = []          # coordinator: (t, version_read, version_written, staleness, workers)
        self.snapshots = [(0.0, 0, 0, [p.copy() for p in self.server.params], None)]
        self.gradients = 0
        self.losses = []
        self.applied = [0] * self.n    # SSP: gradients applied per worker
        self.ssp = asyncio.Condition()
        return True

    # ----- set-up
    async def connect(self, others):
        self.others = list(others)
        return True

    async def start(self, t0):
        """Start the run's clock (and the ``until`` timer on the coordinator)."""
        self.t0 = t0
        if self.index == 0 and self.until is not None:
            delay = max(0.0, t0 + self.until - time.time())
            asyncio.get_running_loop().call_later(delay, self._stop_at_deadline)
        return True

    def _stop_at_deadline(self):
        if not self.stopped.is_set():
            self._stop(self.until)

    def _past_deadline(self):
        """True once ``until`` has passed (the run is then stopped at exactly ``until``). Checked
        before every update, so no update is taken after the deadline even when the event loop
        was too busy to run the deadline timer on time."""
        if self.until is None or _now(self.t0) < self.until:
            return False
        if not self.stopped.is_set():
            self._stop(self.until)
        return True

    def _stop(self, t):
        self.t_end = t
        self.stopped.set()
        for ev in self.step_done.values():
            ev.set()
        asyncio.ensure_future(self._wake_ssp())     # SSP workers waiting for the slowest

    # ----- what workers call
    async def pull(self):
        """``(version, params, stopped)``: arrays are never changed in place, so no copy."""
        return self.server.version, self.server.params, self.stopped.is_set()

    def _done(self, step):
        if step not in self.step_done:
            self.step_done[step] = asyncio.Event()
            if self.stopped.is_set() or step < self.server.version:
                self.step_done[step].set()
        return self.step_done[step]

    async def wait_closed(self, step):
        """Returns when synchronous step ``step`` is closed, or the run has stopped."""
        await self._done(step).wait()
        return self.stopped.is_set()

    async def wait_stopped(self):
        await self.stopped.wait()
        return True

    async def push(self, worker, step, piece, loss):
        """A gradient (sync, async) or parameter copy (local SGD) of ``worker`` computed from
        version ``step``. Returns ``(accepted, arrived, applied, released, stopped)``: times are
        seconds since the start; ``released`` is when an SSP worker may go on (else None)."""
        arrived = _now(self.t0)
        if self.mode == ASYNC:
            return await self._push_async(worker, step, piece, loss, arrived)
        if self.stopped.is_set() or step < self.server.version or step in self.closing:
            return False, arrived, None, None, self.stopped.is_set()
        async with self.arrived:
            self.pieces.setdefault(step, {})[worker] = piece
            self.arrived.notify_all()
        if self.index != 0:
            return True, arrived, None, None, False
        self.losses.append(loss)
        if len(self.pieces[step]) == self.need and not self._past_deadline():
            # the update is stamped when the coordinator takes it (before the deadline)
            t = _now(self.t0)
            self.closing.add(step)
            used = sorted(self.pieces[step])
            await asyncio.gather(*[o.apply_step.remote(step, used) for o in self.others])
            await self.apply_step(step, used)
            self.gradients += len(used) * (1 if self.mode == SYNC else self.period)
            self.applies.append((t, step, step + 1, 0, tuple(used)))
            self._after_update(t)
            self._done(step).set()
        await self._done(step).wait()
        stopped = self.stopped.is_set()
        if len(self.applies) > step and worker in self.applies[step][4]:   # one apply per step
            return True, arrived, self.applies[step][0], None, stopped
        return False, arrived, None, None, stopped

    async def apply_step(self, step, used):
        """Average the pieces of ``used`` workers for ``step`` (waiting for any still in flight)."""
        async with self.arrived:
            await self.arrived.wait_for(lambda: all(w in self.pieces.get(step, {}) for w in used))
        pieces = self.pieces.pop(step)
        self.closing.add(step)
        mean = mean_of([pieces[w] for w in used])
        if self.mode == SYNC:
            self.server.apply(mean, self.lr)
        else:
            self.server.assign(mean)
        if self.index != 0:
            self._snapshot(None)
        return True

    async def _push_async(self, worker, version_read, grad, loss, arrived):
        if (self.stopped.is_set() or self._past_deadline()
                or (self.index != 0 and self.server.version >= self.updates_cap())):
            return False, arrived, None, None, True
        t = _now(self.t0)      # the update is stamped when the server takes it
        staleness = self.server.version - version_read
        lr = self.lr / max(1, staleness) if self.aware else self.lr
        self.server.apply(grad, lr)
        if self.index != 0:
            self._snapshot(None)
            return True, arrived, t, None, False
        self.gradients += 1
        self.losses.append(loss)
        self.applies.append((t, version_read, self.server.version, staleness, (worker,)))
        self._after_update(t)
        if self.bound is None or self.stopped.is_set():
            return True, arrived, t, None, self.stopped.is_set()
        # SSP: this worker has c gradients applied; it may start its next computation only when
        # every worker has had at least c - bound applied
        async with self.ssp:
            self.applied[worker] += 1
            self.ssp.notify_all()
            c = self.applied[worker]
            await self.ssp.wait_for(lambda: min(self.applied) >= c - self.bound
                                    or self.stopped.is_set())
        return True, arrived, t, _now(self.t0), self.stopped.is_set()

    def updates_cap(self):
        return self.updates if self.updates is not None else float("inf")

    def _snapshot(self, t):
        v = self.server.version
        last = self.updates is not None and v >= self.updates
        if v % self.eval_every == 0 or last:
            loss = sum(self.losses) / len(self.losses) if self.losses else None
            self.snapshots.append((t, v, self.gradients, self.server.params, loss))
            self.losses = []

    def _after_update(self, t):
        self._snapshot(t)
        if self.updates is not None and self.server.version >= self.updates:
            self._stop(t)

    async def _wake_ssp(self):
        async with self.ssp:
            self.ssp.notify_all()

    # ----- what the driver reads afterwards
    async def report(self):
        """Everything the driver needs once the workers are done."""
        if not self.stopped.is_set():
            self._stop(_now(self.t0))
        await self._wake_ssp()
        return {"params": self.server.params, "version": self.server.version,
                "applies": self.applies, "snapshots": self.snapshots, "t_end": self.t_end}

    async def stop(self):
        """End the run now (the driver's safety net)."""
        if not self.stopped.is_set():
            self._stop(_now(self.t0))
        await self._wake_ssp()
        return True


@ray.remote
class Worker:
    """One device: its model, its data shard, its compute-time stream."""

    async def setup(self, index, build_model, sampler, device, seed, mode, period, lr, shards,
                    layout):
        """Reset this process for a new run: build the model, warm it up (compile its run plan)
        so that start-up is not part of the timeline."""
        self.index, self.lr = index, lr
        self.model = build_model()
        self.batches = sampler.stream(index) if sampler is not None else None
        self.times = device.stream(seed) if device is not None else None
        self.mode, self.period = mode, period
        self.shards, self.layout = shards, layout   # layout[k]: indices of the arrays on shard k
        self.events = []
        self.used = 0      # batches (and compute-time draws) consumed
        batch = None if self.batches is None else np.arange(1)
        self.model.gradients(self.model.initial_params(), batch)
        return True

    def _next(self):
        self.used += 1
        batch = next(self.batches) if self.batches is not None else None
        seconds = next(self.times) if self.times is not None else 0.0
        return batch, seconds

    def _skip_to(self, target):
        """Synchronous steps this worker missed still consume their batch and draw, as in the
        simulator (every worker takes part in every step there)."""
        while self.used < target:
            self._next()

    def _log(self, kind, start, end, version=None, dropped=False):
        self.events.append((self.index, kind, start, max(start, end), version, dropped))

    async def _pull(self):
        t = _now(self.t0)
        replies = await asyncio.gather(*[s.pull.remote() for s in self.shards])
        params = [None] * sum(len(ix) for ix in self.layout)
        for (_, piece, _), ix in zip(replies, self.layout):
            for i, p in zip(ix, piece):
                params[i] = p
        v, stopped = replies[0][0], any(r[2] for r in replies)
        if not stopped:
            self._log("pull", t, _now(self.t0), v)
        return v, params, stopped

    async def _compute(self, params, version, interrupt):
        """A real gradient plus a sleep up to the drawn time. Returns (grad, loss, finished)."""
        batch, seconds = self._next()
        c0 = _now(self.t0)
        grad, loss = self.model.gradients(params, batch)
        left = c0 + seconds - _now(self.t0)
        finished = True
        if left > 0:
            sleep = asyncio.ensure_future(asyncio.sleep(left))
            done, _ = await asyncio.wait({sleep, interrupt}, return_when=asyncio.FIRST_COMPLETED)
            if sleep not in done:
                sleep.cancel()
                finished = False
        elif interrupt.done():
            finished = False
        self._log("compute", c0, _now(self.t0), version, dropped=not finished)
        return grad, loss, finished

    def _pieces(self, arrays):
        return [[arrays[i] for i in ix] for ix in self.layout]

    async def _push(self, step, arrays, loss):
        t = _now(self.t0)
        refs = [s.push.remote(self.index, step, piece, loss)
                for s, piece in zip(self.shards, self._pieces(arrays))]
        replies = await asyncio.gather(*refs)
        back = _now(self.t0)
        accepted, arrived, applied, released, stopped = replies[0]
        arrived = min(max(arrived, t), back)          # clocks of two machines may differ
        if not accepted:
            self._log("push", t, back, step, dropped=True)
            return stopped
        applied = min(max(applied, arrived), back)
        # as in the simulator, a push lasts until the server has the gradient and a wait until
        # the update; the reply's trip back is idle time (the calibrated latency counts it)
        if self.mode == ASYNC:
            self._log("push", t, applied, step)
            if released is not None and released > applied + 1e-4:   # SSP: held for the slowest
                self._log("wait", applied, min(released, back))
        else:
            self._log("push", t, arrived, step)
            self._log("wait", arrived, applied, step)                # the barrier
        return stopped

    async def run(self, t0):
        """The worker's loop until the server says stop; returns its events."""
        self.t0 = t0
        delay = t0 - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if self.mode == ASYNC:
            await self._run_async()
        else:
            await self._run_steps()
        return self.events

    async def _run_async(self):
        stop = asyncio.ensure_future(_wait(self.shards[0].wait_stopped.remote()))
        while True:
            v, params, stopped = await self._pull()
            if stopped:
                break
            grad, loss, finished = await self._compute(params, v, stop)
            if not finished or await self._push(v, grad, loss):
                break
        stop.cancel()

    async def _run_steps(self):
        H = self.period if self.mode == LOCAL else 1
        while True:
            v, params, stopped = await self._pull()
            if stopped:
                break
            closed = asyncio.ensure_future(_wait(self.shards[0].wait_closed.remote(v)))
            self._skip_to(v * H)
            p, finished, losses = params, True, []
            for _ in range(H):
                grad, loss, finished = await self._compute(p, v, closed)
                if not finished:
                    break
                losses.append(loss)
                if self.mode == LOCAL:
                    p = [a - self.lr * b for a, b in zip(p, grad)]
            if finished:   # local SGD sends its copy and the mean loss of its H steps
                stopped = await self._push(v, grad if self.mode == SYNC else p,
                                           sum(losses) / len(losses))
            closed.cancel()
            if stopped:
                break


async def _wait(ref):
    return await ref
