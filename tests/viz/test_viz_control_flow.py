"""Control flow in pictures: a tf.cond as two boxes (true, false) joined at its output, a
tf.while_loop as a box with a dashed back edge from the body's outputs to the loop variables."""
import re

import teachflow as tf
from teachflow.viz import draw


def cluster_block(src, cid):
    """The DOT text of cluster ``cid`` (up to its closing brace), and its nesting depth."""
    m = re.search(rf'^(\s*)subgraph "{re.escape(cid)}" \{{\n', src, re.M)
    assert m, f"no cluster {cid!r}"
    indent, rest = m.group(1), src[m.end():]
    end = re.search(rf"^{indent}\}}$", rest, re.M)
    return rest[:end.start()], len(indent)


def nodes_in(block):
    return set(re.findall(r'^\s*"([^"]+)" \[id=', block, re.M))


def edge(src, a, b):
    m = re.search(rf'^\s*"{re.escape(a)}" -> "{re.escape(b)}" \[(.*)\];$', src, re.M)
    assert m, f"no edge {a} -> {b}"
    return m.group(1)


def test_cond_draws_two_labelled_branches_joined_at_its_output():
    x = tf.placeholder(tf.float32, [], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    y = tf.cond(p, lambda: tf.square(x, name="sq"), lambda: tf.negative(x, name="neg"), name="pick")
    src = draw(y).source
    outer, depth = cluster_block(src, "cluster-pick")
    true, t_depth = cluster_block(src, "cluster-pick/_x7e_true")
    false, f_depth = cluster_block(src, "cluster-pick/_x7e_false")
    assert "label=<true branch>" in true and "label=<false branch>" in false
    assert t_depth == f_depth > depth                          # both inside the cond's box
    assert nodes_in(true) == {"pick/sq"} and nodes_in(false) == {"pick/neg"}
    assert "pick" in nodes_in(outer) - nodes_in(true) - nodes_in(false)   # the join, outside both
    edge(src, "pick/sq", "pick")                               # each branch's output joins it
    edge(src, "pick/neg", "pick")
    edge(src, "x", "pick/sq")                                  # the captured input goes in
    edge(src, "p", "pick")


def test_while_loop_draws_a_box_and_back_edges():
    x = tf.placeholder(tf.float32, [], name="x")
    _, out = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x), [0, 1.0], name="loop")
    src = draw(out).source
    body, _ = cluster_block(src, "cluster-loop/_x7e_body")
    assert "label=<while loop: condition + body>" in body
    assert {"loop/LoopVar", "loop/LoopVar_1", "loop/Less", "loop/add", "loop/mul"} <= nodes_in(body)
    assert "loop" not in nodes_in(body)
    for out_op, var in (("loop/add", "loop/LoopVar"), ("loop/mul", "loop/LoopVar_1")):
        attrs = edge(src, out_op, var)
        assert 'style="dashed"' in attrs and 'constraint="false"' in attrs and "next iteration" in attrs
    edge(src, "loop/Less", "loop")                            # the condition ends the loop


def test_nested_cond_in_loop_and_gradient_boxes():
    x = tf.placeholder(tf.float32, [], name="x")
    _, out = tf.while_loop(lambda i, v: i < 3,
                           lambda i, v: (i + 1, tf.cond(v > 1.0, lambda: v * 0.5, lambda: v * x)),
                           [0, 1.0])
    tf.gradients(out, x)
    src = draw(tf.get_default_graph(), view="gradients").source
    _, body_depth = cluster_block(src, "cluster-while/_x7e_body")
    _, true_depth = cluster_block(src, "cluster-while/_x7e_body/cond/_x7e_true")
    assert true_depth > body_depth                            # the cond's branches inside the loop
    grad, _ = cluster_block(src, "cluster-gradients/while_grad/while_grad/_x7e_body")
    assert "gradient of the loop body" in grad
    assert re.search(r'-> "gradients/while_grad/dy" \[.*next iteration', src)
