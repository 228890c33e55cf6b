"""Op definitions: one module per family; importing this package registers them all."""
from . import (array_ops, compare_ops, control_ops, conv_ops, init_ops, loss_ops,  # noqa: F401
               math_ops, nn_ops, random_ops, reduce_ops)
