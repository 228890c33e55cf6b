"""Lesson 1 (graphs and sessions): build a graph, count its operations, run it."""
import numpy as np

from teachflow.core.i18n import N_, _
from teachflow.exercises._core import exercise, hashed


@exercise("l01.build_z", N_("z = (p + q) · q: first add p and q, then multiply the sum by q. "
          "Use ops (+, *, tf.add, tf.multiply) on the tensors p and q, and return the tensor z."))
def build_z(build):
    import teachflow as tf
    rng = np.random.RandomState(1)
    graph = tf.Graph()
    with graph.as_default():
        p = tf.placeholder(tf.float32, [], name="p")
        q = tf.placeholder(tf.float32, [], name="q")
        z = build(p, q)
        if not isinstance(z, tf.Tensor):
            return False, _("build_z returned {kind}, not a tensor of the graph.").format(kind=type(z).__name__)
        with tf.Session() as sess:
            for _trial in range(5):
                pv, qv = rng.uniform(-3, 3, 2).astype(np.float32)
                got = sess.run(z, feed_dict={p: pv, q: qv})
                if np.shape(got) != () or not np.isclose(got, (pv + qv) * qv, rtol=1e-5):
                    return False, _("your z gives {got:.4f} at p = {p:.2f}, q = {q:.2f}.").format(
                        got=float(got), p=pv, q=qv)
    return True, _("your graph computes (p + q) · q for 5 random feeds.")


exercise("l01.n_ops", N_("count every node, placeholders included: reset the graph, build z, then "
         "len(tf.get_default_graph().get_operations()).")
         )(hashed("2a1558ac34147708865b3530562d498ed83771772959873af36d68bba726a448",
                  what=N_("number of operations")))

exercise("l01.z_value", N_("run z in a session with feed_dict={p: 1, q: 2}.")
         )(hashed("2063c5c8a251b11c08817a65c08c182e5cf9151d2cf36319eed3cc37be6186d2", what=N_("value of z")))
