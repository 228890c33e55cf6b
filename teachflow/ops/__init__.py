"""Op definitions: one module per family; importing this package registers them all (and
``overloads`` installs the Tensor operators)."""
from . import (activation_ops, array_ops, compare_ops, control_ops, conv_ops, creation_ops,  # noqa: F401
               debug_ops, index_ops, init_ops, loss_ops, math_ops, nn_ops, overloads, pool_ops,
               random_ops, reduce_ops, selection_ops, unary_ops)
