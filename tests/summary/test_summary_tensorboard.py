"""tf.summary: a classic TF1 program with summaries, its event file read back through
TensorBoard's own event-reading API; the summary ops' values; and the run without the extra."""
import glob
import warnings

import numpy as np
import pytest

import teachflow as tf
from teachflow.summary import data, writer

ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    tf.set_random_seed(3)
    yield
    tf.reset_default_graph()


def read(logdir):
    acc = ea.EventAccumulator(logdir, size_guidance={ea.TENSORS: 0, ea.SCALARS: 0, ea.IMAGES: 0,
                                                     ea.HISTOGRAMS: 0})
    acc.Reload()
    return acc


def test_classic_regression_with_summaries_reads_back_in_tensorboard(tmp_path):
    # The course's "TensorBoard" chapter, as written for TF1 (only the import changed).
    rng = np.random.RandomState(0)
    x_data = np.linspace(-1, 1, 50)[:, np.newaxis].astype(np.float32)
    y_data = (2 * x_data + 0.5 + rng.normal(0, 0.05, x_data.shape)).astype(np.float32)

    with tf.name_scope("inputs"):
        xs = tf.placeholder(tf.float32, [None, 1], name="x_input")
        ys = tf.placeholder(tf.float32, [None, 1], name="y_input")
    with tf.name_scope("layer"):
        with tf.name_scope("weights"):
            Weights = tf.Variable(tf.random_normal([1, 1]), name="W")
            tf.summary.histogram("layer/weights", Weights)
        with tf.name_scope("biases"):
            biases = tf.Variable(tf.zeros([1, 1]) + 0.1, name="b")
        with tf.name_scope("Wx_plus_b"):
            prediction = tf.add(tf.matmul(xs, Weights), biases)
    with tf.name_scope("loss"):
        loss = tf.reduce_mean(tf.reduce_sum(tf.square(ys - prediction), reduction_indices=[1]))
        tf.summary.scalar("loss", loss)
    with tf.name_scope("train"):
        train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

    sess = tf.Session()
    merged = tf.summary.merge_all()
    writer_ = tf.summary.FileWriter(str(tmp_path), sess.graph)
    names_when_written = {op.name for op in sess.graph.get_operations()}
    sess.run(tf.global_variables_initializer())
    losses = []
    for i in range(30):
        sess.run(train_step, feed_dict={xs: x_data, ys: y_data})
        if i % 5 == 0:
            result, l = sess.run([merged, loss], feed_dict={xs: x_data, ys: y_data})
            writer_.add_summary(result, i)
            losses.append(l)
    writer_.close()

    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 1
    acc = read(str(tmp_path))
    scalars = acc.Scalars("loss/loss")
    assert [e.step for e in scalars] == [0, 5, 10, 15, 20, 25]
    np.testing.assert_allclose([e.value for e in scalars], losses, rtol=1e-6)
    assert scalars[-1].value < scalars[0].value                  # the model learnt
    hist = acc.Histograms("layer/weights/layer/weights")         # TF1's tag: scope + name
    assert [h.step for h in hist] == [0, 5, 10, 15, 20, 25] and hist[0].histogram_value.num == 1

    nodes = {n.name: n for n in acc.Graph().node}
    assert set(nodes) == names_when_written                      # the graph teachflow draws
    for name in ("inputs/x_input", "layer/weights/W", "layer/Wx_plus_b/MatMul", "loss/Mean",
                 "train/GradientDescent"):
        assert name in nodes
    matmul = nodes["layer/Wx_plus_b/MatMul"]
    assert matmul.op == "MatMul" and list(matmul.input) == ["inputs/x_input", "layer/weights/W"]
    dims = [d.size for d in matmul.attr["_output_shapes"].list.shape[0].dim]
    assert dims == [-1, 1]                                       # None batch dimension
    sess.close()


def test_scalar_histogram_image_text_values():
    x = tf.placeholder(tf.float32, [2, 2, 3, 1])
    s = tf.summary.scalar("accuracy", tf.constant(0.25), family="eval")
    h = tf.summary.histogram("h", tf.constant([1.0, 1.0, -3.0, 0.0]))
    im = tf.summary.image("pics", x, max_outputs=1)
    t = tf.summary.text("notes", "step **one**")
    merged = tf.summary.merge([s, h, im, t])
    imgs = np.zeros((2, 2, 3, 1), np.float32)
    imgs[0, 0, 0, 0], imgs[0, 1, 2, 0] = 2.0, 1.0
    with tf.Session() as sess:
        out = sess.run(merged, {x: imgs})
    assert isinstance(out, bytes)
    summary = data.load_protos()["summary_pb2"].Summary.FromString(out)
    by_tag = {v.tag: v for v in summary.value}
    assert set(by_tag) == {"eval/eval/accuracy", "h", "pics/image", "notes"}  # TF1's tags
    assert by_tag["eval/eval/accuracy"].simple_value == 0.25
    histo = by_tag["h"].histo
    assert (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares) == (-3, 1, 4, -1, 11)
    assert sum(histo.bucket) == 4
    from PIL import Image
    import io
    png = np.asarray(Image.open(io.BytesIO(by_tag["pics/image"].image.encoded_image_string)))
    assert png.shape == (2, 3) and png[0, 0] == 255 and png[1, 2] == 127 and png[0, 1] == 0
    assert by_tag["notes"].tensor.string_val == [b"step **one**"]
    assert by_tag["notes"].metadata.plugin_data.plugin_name == "text"


def test_histogram_buckets_follow_tensorflow():
    # TF's buckets: edges ±1e-12·1.1^k; bucket i holds [limit[i-1], limit[i]); empty runs collapse.
    fields = data.histogram(np.array([0.5, 0.5, 2.0]))
    limits, counts = np.array(fields["bucket_limit"]), np.array(fields["bucket"])
    assert counts.sum() == 3 and np.all(np.diff(limits) > 0)
    nonzero = limits[counts > 0]
    assert len(nonzero) == 2 and 0.5 < nonzero[0] <= 0.5 * 1.1 and 2.0 < nonzero[1] <= 2.0 * 1.1


def test_summary_errors_name_the_op(tmp_path):
    with pytest.raises(ValueError, match=r"scalar \(shape \[\]\).*'s'"):
        tf.summary.scalar("s", tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        tf.summary.image("i", tf.zeros([2, 4, 4, 2]))
    bad = tf.summary.histogram("w", tf.constant([1.0, np.nan]))
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="Nan in summary histogram for: w"):
        sess.run(bad)
    a, b = tf.summary.scalar("a", 1.0), tf.summary.scalar("b", 2.0)
    dup = tf.summary.merge([a, b, a])
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="Duplicate tag 'a'"):
        sess.run(dup)
    assert tf.summary.merge_all(key="nothing_here") is None
    with tf.summary.FileWriter(str(tmp_path)) as w, pytest.raises(TypeError, match=r"sess.run\(op\)"):
        w.add_summary(a)      # the op itself instead of its value


def test_without_the_extra_summaries_run_and_the_writer_warns_once(tmp_path, monkeypatch):
    monkeypatch.setitem(data._CACHE, "_protos", None)      # as if tensorboard were not installed
    monkeypatch.setattr(writer, "_WARNED", [])
    loss = tf.constant(1.5)
    tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()
    with tf.Session() as sess:
        out = sess.run(merged)
    assert isinstance(out, data.SummaryData)
    assert [(v.tag, v.kind, v.value) for v in out.values] == [("loss", "scalar", 1.5)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w = tf.summary.FileWriter(str(tmp_path / "run1"), tf.get_default_graph())
        w.add_summary(out, 0)
        w.close()
        tf.summary.FileWriter(str(tmp_path / "run2")).close()
    msgs = [str(c.message) for c in caught if issubclass(c.category, writer.TensorBoardMissingWarning)]
    assert len(msgs) == 1 and "pip install 'teachflow[tensorboard]'" in msgs[0]
    assert not (tmp_path / "run1").exists()


def test_summary_values_built_in_python_and_the_step_through(tmp_path):
    # TF1 programs log values computed in Python with tf.Summary; and a summary op steps through.
    with tf.summary.FileWriter(str(tmp_path)) as w:
        w.add_summary(tf.Summary(value=[tf.Summary.Value(tag="accuracy", simple_value=0.75)]), 3)
    assert [(e.step, e.value) for e in read(str(tmp_path)).Scalars("accuracy")] == [(3, 0.75)]
    assert tf.summary.Summary is tf.Summary
    s = tf.summary.scalar("x", tf.constant(2.0))
    sess = tf.Session()
    trace = tf.trace.step_through(sess, s)
    assert trace.steps[-1].explain().startswith("x: summary = (tag, x)")
    sess.close()


def test_tf_summary_class_without_the_extra_names_the_install(monkeypatch):
    monkeypatch.setitem(data._CACHE, "_protos", None)
    with pytest.raises(AttributeError, match=r"pip install 'teachflow\[tensorboard\]'"):
        tf.Summary  # noqa: B018


def test_image_normalization_follows_tensorflow():
    # With negatives: 0 → 128 and the largest magnitude → ±127, truncated; NaN pixels: bad colour.
    grey = data.to_uint8(np.array([[[-1.0], [0.5], [np.nan], [0.0]]]))
    assert grey[0, :, 0].tolist() == [1, 191, 255, 128]
    rgb = data.to_uint8(np.array([[[0.0, 2.0, 1.0], [np.inf, 0.0, 0.0]]]))
    assert rgb[0].tolist() == [[0, 255, 127], [255, 0, 0]]       # the inf pixel is ignored for the max
    assert data.to_uint8(np.zeros((1, 1, 1), np.uint8)).dtype == np.uint8
