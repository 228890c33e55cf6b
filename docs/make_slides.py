"""Make the course's slides: ``python docs/make_slides.py`` writes ``docs/slides/``.

For each animated lesson, a GIF (for any slide program) and a self-contained HTML page (Play and
a time slider, no network), made from the very frames the lesson's widgets show:

* lesson 6: the two flowcharts in motion (4 devices, 10 simulated seconds) and the races on the
  balanced and on the uneven cluster (8 devices, target loss 0.0025, 1,200 simulated seconds);
* lesson 7: the GPipe pipeline of the balanced split (cut after hidden2, 4 microbatches), with
  a cursor moving through the step.

Every run is seeded, so re-running writes the same bytes. The GIFs are kept to a few hundred KB
(``--check`` only reports the sizes of what is there).
"""
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SLIDES = os.path.join(HERE, "slides")
GIF = dict(frames=40, fps=8, width=800, colors=128)
HTML = dict(frames=16, fps=4, width=720, colors=96)
RACE = dict(workers=8, target_loss=0.0025, duration=1200.0, model="numpy_curve_fit")


class PipelineView:
    """A pipeline timeline with a time cursor: the ``render(t)``/``duration`` interface that
    ``teachflow.widgets.export`` animates (work after the cursor is greyed out)."""

    def __init__(self, result, title):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from teachflow.viz.timeline import plot_pipeline
        self.figure, ax = plt.subplots(figsize=(10, 3.2), dpi=100)
        plot_pipeline(result, ax=ax, title=title)
        self.duration = float(result.makespan)
        self.cursor = ax.axvline(0.0, color="black", lw=1.5)
        self.shade = ax.axvspan(0.0, self.duration, color="white", alpha=0.7, lw=0)
        self.figure.tight_layout()

    def render(self, t):
        t = min(max(float(t), 0.0), self.duration)
        self.cursor.set_xdata([t, t])
        self.shade.set_x(t)
        self.shade.set_width(self.duration - t)
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        return buf.getvalue()


def lesson07_pipeline():
    """The lesson's balanced split (64-64-256-64-10, cut after hidden2), 4 microbatches."""
    from teachflow.distributed.pipeline import Pipeline
    from teachflow.exercises.lesson07 import split_network
    return Pipeline.from_graph(split_network(2), batch_size=64, microbatches=4, speed=1e9,
                               latency=1e-5, bandwidth=1e9).run()


def slides():
    """(name, view) of every animation, in lesson order."""
    from teachflow.widgets import Race
    small = Race(workers=4, spread=2.0, duration=10.0, model="numpy_curve_fit").run()
    yield "lesson06_flowcharts", small.flowchart(dpi=100)
    yield "lesson06_race_balanced", Race(**RACE).run().view(dpi=100)
    yield "lesson06_race_uneven", Race(spread=4.0, stragglers=0.05, **RACE).run().view(dpi=100)
    yield "lesson07_pipeline", PipelineView(lesson07_pipeline(),
                                            "split after hidden2, 4 microbatches (lesson 7)")


def main(argv=()):
    from teachflow.widgets import save_html, to_gif
    os.makedirs(SLIDES, exist_ok=True)
    if "--check" not in argv:
        for name, view in slides():
            to_gif(view, os.path.join(SLIDES, name + ".gif"), **GIF)
            save_html(view, os.path.join(SLIDES, name + ".html"), **HTML)
    for f in sorted(os.listdir(SLIDES)):
        print(f"{os.path.join('docs', 'slides', f)}: {os.path.getsize(os.path.join(SLIDES, f)) / 1e3:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1:])
