"""``tf.layers``: dense, conv2d, pooling, flatten, dropout and batch normalization.

Each function builds ordinary ops (``MatMul``, ``BiasAdd``, ``Conv2D``, ``MaxPool`` ...) inside a
variable scope named after the layer (``name=`` or a unique default such as ``dense_1``), and
creates its parameters with ``tf.get_variable`` as ``<layer>/kernel`` and ``<layer>/bias``, so
``reuse=True`` shares them and ``get_collection(..., scope="hidden[123]")`` finds them.
"""
from .convolutional import conv2d  # noqa: F401
from .core import dense, dropout, flatten  # noqa: F401
from .normalization import batch_normalization  # noqa: F401
from .pooling import average_pooling2d, max_pooling2d  # noqa: F401
from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.layers", globals())  # a missing tf.layers.<name>: an error naming the API
