"""Lesson 1 (graphs and sessions): build a graph, count its operations, run it."""
import numpy as np

from teachflow.exercises._core import exercise, hashed


@exercise("l01.build_z", "z = (p + q) · q: first add p and q, then multiply the sum by q. "
          "Use ops (+, *, tf.add, tf.multiply) on the tensors p and q, and return the tensor z.")
def build_z(build):
    import teachflow as tf
    rng = np.random.RandomState(1)
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float32, [], name="p")
        q = tf.placeholder(tf.float32, [], name="q")
        z = build(p, q)
        if not isinstance(z, tf.Tensor):
            return False, f"build_z returned {type(z).__name__}, not a tensor of the graph."
        with tf.Session() as sess:
            for _ in range(5):
                pv, qv = rng.uniform(-3, 3, 2).astype(np.float32)
                got = sess.run(z, feed_dict={p: pv, q: qv})
                if np.shape(got) != () or not np.isclose(got, (pv + qv) * qv, rtol=1e-5):
                    return False, f"your z gives {float(got):.4f} at p = {pv:.2f}, q = {qv:.2f}."
    return True, "your graph computes (p + q) · q for 5 random feeds."


exercise("l01.n_ops", "count every node, placeholders included: reset the graph, build z, then "
         "len(tf.get_default_graph().get_operations())."
         )(hashed("2a1558ac34147708865b3530562d498ed83771772959873af36d68bba726a448",
                  what="number of operations"))

exercise("l01.z_value", "run z in a session with feed_dict={p: 1, q: 2}."
         )(hashed("2063c5c8a251b11c08817a65c08c182e5cf9151d2cf36319eed3cc37be6186d2", what="value of z"))
