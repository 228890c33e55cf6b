"""``tf.nn``: activations and neural-network helpers."""
from ..ops.math_ops import relu, sigmoid, tanh  # noqa: F401
