"""``tf.linalg``: the TF1 names of the square-matrix ops (``inv``, ``det``, ``matrix_transpose``)."""
from .ops.linalg_ops import matrix_determinant as det  # noqa: F401
from .ops.linalg_ops import matrix_inverse as inv  # noqa: F401
from .ops.linalg_ops import matrix_transpose  # noqa: F401
from .ops.linalg_ops import matrix_transpose as transpose  # noqa: F401
from .ops.math_ops import matmul  # noqa: F401
from .unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.linalg", globals())  # a missing tf.linalg.<name>: an error naming the API
