"""Op definitions: one module per family; importing this package registers them all (and
``overloads`` installs the Tensor operators)."""
from . import (activation_ops, array_ops, compare_ops, control_flow_ops, control_ops, conv_ops,  # noqa: F401
               creation_ops, debug_ops, index_ops, init_ops, loss_ops, math_ops, nn_ops, overloads,
               pool_ops, random_ops, reduce_ops, reverse_ops, selection_ops, unary_ops)
from . import candidate_sampling_ops  # noqa: F401,E402  (samplers of tf.nn.nce_loss)
