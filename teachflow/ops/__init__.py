"""Op definitions: one module per family; importing this package registers them all."""
from . import (array_ops, compare_ops, control_ops, conv_ops, debug_ops, init_ops,  # noqa: F401
               loss_ops, math_ops, nn_ops, random_ops, reduce_ops)
