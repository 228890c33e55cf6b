"""``batch_normalization``: normalize each channel by batch statistics while training, by
moving averages of them otherwise; the moving averages update through ``UPDATE_OPS``."""
from ..core.graph import GraphKeys, add_to_collection, name_scope
from ..core.shapes import ShapeError, fmt
from ..core.variables import assign_sub
from ..ops.variable_scope import variable_scope
from ..ops import init_ops
from ..ops.array_ops import reshape
from ..ops.selection_ops import where
from ..ops.math_ops import cast, multiply, subtract
from ..ops.nn_ops import batch_normalization as _nn_batch_norm
from ..ops.nn_ops import moments
from ._base import floating, param, training_flag


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=None, gamma_initializer=None,
                        moving_mean_initializer=None, moving_variance_initializer=None,
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """``gamma·(x − mean)/√(variance + ε) + beta`` per channel (the ``axis``).

    ``training=True`` uses the batch's mean and variance and makes two update ops
    ``moving ← moving − (moving − batch)·(1 − momentum)`` in ``tf.GraphKeys.UPDATE_OPS``: run them,
    e.g. ``with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):``.
    ``training=False`` uses the moving averages. A bool tensor chooses at run time (when it is
    false the updates leave the averages unchanged)."""
    if renorm or virtual_batch_size or adjustment is not None:
        raise NotImplementedError("batch_normalization: renorm, virtual_batch_size and adjustment "
                                  "are not supported in teachflow")
    x = floating(inputs, "batch_normalization")
    if x.ndim is None:
        raise ShapeError("batch_normalization needs inputs of known rank")
    a = axis if axis >= 0 else x.ndim + axis
    if not 0 <= a < x.ndim or x._dims[a] is None:
        raise ShapeError(f"batch_normalization: axis {axis} must be a known dimension of the inputs "
                         f"{fmt(x._dims)}")
    c, dt = x._dims[a], x.dtype
    training = training_flag(training, "batch_normalization")
    reduce_axes = [i for i in range(x.ndim) if i != a]
    with variable_scope(name, default_name="batch_normalization", reuse=reuse):
        gamma = param("gamma", (c,), dt, gamma_initializer, gamma_regularizer, trainable,
                      default=init_ops.ones_initializer) if scale else None
        beta = param("beta", (c,), dt, beta_initializer, beta_regularizer, trainable,
                     default=init_ops.zeros_initializer) if center else None
        moving_mean = param("moving_mean", (c,), dt, moving_mean_initializer, trainable=False,
                            default=init_ops.zeros_initializer)
        moving_var = param("moving_variance", (c,), dt, moving_variance_initializer,
                           trainable=False, default=init_ops.ones_initializer)
        shape = [c if i == a else 1 for i in range(x.ndim)]

        def bcast(t):  # a per-channel vector shaped to broadcast against x (axis not last)
            return t if t is None or a == x.ndim - 1 else reshape(t, shape)

        if training is False:
            mean, var = moving_mean, moving_var
        else:
            batch_mean, batch_var = moments(x, reduce_axes)
            if training is True:
                mean, var, decay = batch_mean, batch_var, 1.0 - momentum
            else:
                mean = where(training, batch_mean, moving_mean)
                var = where(training, batch_var, moving_var)
                decay = where(training, cast(1.0 - momentum, dt), cast(0.0, dt))
            for moving, batch, op_name in ((moving_mean, batch_mean, "AssignMovingAvg"),
                                           (moving_var, batch_var, "AssignMovingAvg_1")):
                with name_scope(op_name):
                    delta = multiply(subtract(moving, batch), decay)
                    update = assign_sub(moving, delta, name=op_name)
                add_to_collection(GraphKeys.UPDATE_OPS, update)
        return _nn_batch_norm(x, bcast(mean), bcast(var), bcast(beta), bcast(gamma), epsilon)
