"""Make the course's slides: ``python docs/make_slides.py`` writes ``docs/slides/``.

For each animated lesson, a GIF (for any slide program) and a self-contained HTML page (Play and
a time slider, no network), made from the very frames the lesson's widgets show:

* lesson 3: one training step of the curve fit, node by node (``StepPicture``, the picture of the
  step-through widget), as an HTML page only: its frames are SVG (a GIF would need an SVG
  rasterizer the project does not depend on); each frame is stored as the lines it changes in
  the first one, so the page stays small;

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


def lesson03_trace():
    """Lesson 3's curve fit on 20 points and the trace of one training step."""
    import numpy as np
    import teachflow as tf
    x_data = np.linspace(-0.5, 0.5, 20)[:, np.newaxis]
    y_data = np.square(x_data) + np.random.RandomState(1).normal(0, 0.02, x_data.shape)
    tf.reset_default_graph()
    tf.set_random_seed(1)
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("layer1"):
        w1 = tf.Variable(tf.random_normal([1, 10]), name="weights")
        b1 = tf.Variable(tf.zeros([1, 10]), name="biases")
        hidden = tf.nn.tanh(tf.matmul(x, w1) + b1)
    with tf.name_scope("layer2"):
        w2 = tf.Variable(tf.random_normal([10, 1]), name="weights")
        b2 = tf.Variable(tf.zeros([1, 1]), name="biases")
        prediction = tf.nn.tanh(tf.matmul(hidden, w2) + b2)
    loss = tf.reduce_mean(tf.square(y - prediction), name="loss")
    train_step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    return tf.trace.step_through(sess, train_step, feed_dict={x: x_data, y: y_data})


_SVG_PLAYER = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%(title)s</title></head>
<body style="font-family:sans-serif"><h3>%(title)s</h3>
<div><button>&#9654; Play</button> <input type="range" min="0" max="%(last)d" value="0"
 style="width:60%%"> <span></span></div><div id="pic"></div>
<script>
(function() {
  var base = %(base)s, changes = %(changes)s, captions = %(captions)s, delay = %(delay)d;
  var pic = document.getElementById("pic"), slider = document.querySelector("input"),
      button = document.querySelector("button"), label = document.querySelector("span");
  var timer = null;
  function show(i) {
    var lines = base.slice(), c = changes[i];
    for (var k in c) { lines[+k] = c[k]; }
    pic.innerHTML = lines.join("\\n");
    slider.value = i;
    label.textContent = captions[i];
  }
  function stop() { clearInterval(timer); timer = null; button.textContent = "\u25B6 Play"; }
  button.onclick = function() {
    if (timer) { stop(); return; }
    if (+slider.value >= changes.length - 1) { show(0); }
    button.textContent = "\u275A\u275A Pause";
    timer = setInterval(function() {
      var i = +slider.value + 1;
      if (i >= changes.length) { stop(); return; }
      show(i);
    }, delay);
  };
  slider.oninput = function() { stop(); show(+slider.value); };
  show(0);
})();
</script></body></html>
"""


def svg_player(frames, captions, title, fps=2):
    """A self-contained page stepping through SVG ``frames`` of one layout: the first frame's
    lines, and for every frame the lines where it differs (frames of one layout differ in a few
    styles). Text goes in through ``json.dumps`` and the SVG, so nothing is executed."""
    import html
    import json
    base = str(frames[0]).split("\n")
    changes = []
    for frame in frames:
        lines = str(frame).split("\n")
        if len(lines) != len(base):
            raise ValueError("svg_player: every frame must have the first frame's layout")
        changes.append({i: line for i, (line, b) in enumerate(zip(lines, base)) if line != b})
    safe = lambda obj: json.dumps(obj).replace("</", "<\\/")     # no "</script>" inside the script
    return _SVG_PLAYER % {"title": html.escape(title), "last": len(frames) - 1,
                          "base": safe(base), "changes": safe(changes),
                          "captions": safe(list(captions)), "delay": int(1000 / fps)}


def lesson03_page():
    from teachflow.widgets.stepthrough import StepPicture
    trace = lesson03_trace()
    picture = StepPicture(trace, view="forward")
    n = len(trace)
    frames = [picture.svg(i) for i in range(n)]
    captions = [f"step {s.index + 1} of {n} ({s.phase}): {s.name}   {s.rule}" for s in trace]
    return svg_player(frames, captions, "Lesson 3: one training step of the curve fit, node by node")


def slides():
    """(name, view) of every animation, in lesson order."""
    from teachflow.widgets import Race
    small = Race(workers=4, spread=2.0, duration=10.0, model="numpy_curve_fit").run()
    yield "lesson06_flowcharts", small.flowchart(dpi=120)
    yield "lesson06_race_balanced", Race(**RACE).run().view(dpi=120)
    yield "lesson06_race_uneven", Race(spread=4.0, stragglers=0.05, **RACE).run().view(dpi=120)
    yield "lesson07_pipeline", PipelineView(lesson07_pipeline(),
                                            "split after hidden2, 4 microbatches (lesson 7)")


def main(argv=()):
    from teachflow.core.files import atomic_write
    from teachflow.widgets import save_html, to_gif
    os.makedirs(SLIDES, exist_ok=True)
    if "--check" not in argv:
        atomic_write(os.path.join(SLIDES, "lesson03_step_through.html"), lesson03_page().encode("utf-8"))
        for name, view in slides():
            to_gif(view, os.path.join(SLIDES, name + ".gif"), **GIF)
            save_html(view, os.path.join(SLIDES, name + ".html"), **HTML)
    for f in sorted(os.listdir(SLIDES)):
        print(f"{os.path.join('docs', 'slides', f)}: {os.path.getsize(os.path.join(SLIDES, f)) / 1e3:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1:])
