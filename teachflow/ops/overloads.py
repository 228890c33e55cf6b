"""Python operators on tensors: ``a + b``, ``a * b``, ``a @ b``, ``-a``, ``t[1:, 0]``, ``a < b`` ...
each the TF function of the same meaning (installed on ``Tensor`` when ``teachflow.ops`` loads)."""
from ..core.graph import Tensor
from .compare_ops import (greater, greater_equal, less, less_equal, logical_and, logical_not, logical_or,
                          logical_xor)
from .math_ops import add, floordiv, floormod, matmul, multiply, pow, subtract, truediv
from .unary_ops import abs, negative

# --------------------------------------------------------------------------- operator overloading
def _r(f):
    return lambda a, b: f(b, a)


def _getitem(t, key):
    from .index_ops import strided_slice
    return strided_slice(t, key)


Tensor.__add__ = add
Tensor.__radd__ = _r(add)
Tensor.__sub__ = subtract
Tensor.__rsub__ = _r(subtract)
Tensor.__mul__ = multiply
Tensor.__rmul__ = _r(multiply)
Tensor.__truediv__ = truediv
Tensor.__rtruediv__ = _r(truediv)
Tensor.__floordiv__ = floordiv
Tensor.__rfloordiv__ = _r(floordiv)
Tensor.__mod__ = floormod
Tensor.__rmod__ = _r(floormod)
Tensor.__pow__ = pow
Tensor.__rpow__ = _r(pow)
Tensor.__matmul__ = matmul
Tensor.__rmatmul__ = _r(matmul)
Tensor.__neg__ = negative
Tensor.__abs__ = abs
Tensor.__getitem__ = _getitem
Tensor.__lt__ = less
Tensor.__le__ = less_equal
Tensor.__gt__ = greater
Tensor.__ge__ = greater_equal
Tensor.__and__ = logical_and
Tensor.__rand__ = _r(logical_and)
Tensor.__or__ = logical_or
Tensor.__ror__ = _r(logical_or)
Tensor.__xor__ = logical_xor
Tensor.__rxor__ = _r(logical_xor)
Tensor.__invert__ = logical_not
