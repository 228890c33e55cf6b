"""``tf.debugging``: TF1's checks for bad values (only re-exports)."""
from .ops.debug_ops import check_numerics, verify_tensor_all_finite as assert_all_finite  # noqa: F401
