"""The race widget: time from a scrubber change to new image bytes.

Target (issue 7): scrubbing or playing updates a frame in <= 100 ms for 16 devices.
Measured in Python, as the widget does it: set ``scrubber.value`` (or ``play.value``) and wait
until ``image.value`` holds the new PNG bytes (frame lookup + moving artists + blitting + PNG
encoding). The browser's own drawing of the image is not included.

Run: ``python benchmarks/bench_race.py``
"""
import statistics
import time

import numpy as np

from teachflow.widgets import RaceWidget
from teachflow.widgets.export import gif_bytes
from teachflow.widgets.flowchart import Flowchart

TARGET_MS = 100.0


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def stats(ms):
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"mean {statistics.fmean(ms):5.1f}  median {statistics.median(ms):5.1f}  p95 {p95:5.1f}  max {ms[-1]:5.1f} ms"


def scrub(widget, times):
    out = []
    for t in times:
        before = widget.image.value
        t0 = time.perf_counter()
        widget.scrubber.value = float(t)
        out.append((time.perf_counter() - t0) * 1000)
        assert widget.image.value != before or widget.time == t
    return out


def play(widget, steps):
    out = []
    for i in range(steps):
        t0 = time.perf_counter()
        widget.play.value = i
        out.append((time.perf_counter() - t0) * 1000)
    return out


def race_case(label, frames=200, **config):
    print(f"== {label}")
    w, sec = timed(lambda: RaceWidget(frames=frames, **config))
    n_events = sum(len(r.events) for r in w.race.results.values())
    print(f"  widget built (simulate + first full draw): {sec:5.2f} s   ({n_events} events)")
    _, sec = timed(w.run_button.click)
    print(f"  Run pressed again:                          {sec:5.2f} s")
    rng = np.random.default_rng(0)
    s = scrub(w, rng.uniform(0, w.race.duration, 60))
    p = play(w, frames)
    worst = max(max(s), max(p))
    print(f"  scrubber (60 random times): {stats(s)}")
    print(f"  Play ({frames} steps):         {stats(p)}")
    print(f"  -> {'OK' if worst <= TARGET_MS else 'SLOWER THAN'} target {TARGET_MS:.0f} ms per frame "
          f"(worst {worst:.1f} ms); picture {len(w.image.value) / 1024:.0f} KB")
    return w


def flowchart_case(workers=8):
    print(f"== animated flowcharts, {workers} devices, sync | async")
    w = RaceWidget(workers=workers, duration=12.0)
    fc, sec = timed(lambda: Flowchart(list(w.race.results.values())))
    _, first = timed(lambda: fc.render(0.0))
    ms = []
    for t in np.linspace(0, fc.duration, 60):
        _, sec = timed(lambda: fc.render(t))
        ms.append(sec * 1000)
    print(f"  first frame {first * 1000:.0f} ms; then {stats(ms)}")


def export_case(w):
    print("== GIF export of the last race (60 frames, 8 fps)")
    data, sec = timed(lambda: gif_bytes(w.view, frames=60, fps=8))
    print(f"  {sec:5.2f} s, {len(data) / 1e6:.2f} MB")


if __name__ == "__main__":
    race_case("16 devices, sync vs async (default race: balanced, 60 s)", workers=16)
    race_case("16 devices, uneven (spread 4, 10% stragglers), sync vs async", workers=16,
              spread=4.0, stragglers=0.1)
    race_case("16 devices, all five strategies", workers=16, spread=4.0,
              strategies=("sync", "backup", "async", "ssp", "local"))
    w = race_case("32 devices (the slider's maximum), sync vs async", workers=32, batch_size=4)
    flowchart_case()
    export_case(w)
