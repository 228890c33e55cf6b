"""Static shapes: tuples of ints where ``None`` marks a dimension known only at run time."""


class ShapeError(ValueError):
    """A shape rule failed while building the graph. ``Graph.create_op`` adds the op's name."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.hint = hint


class TensorShape:
    """A static shape as TF1 prints it: ``(?, 784)``. ``dims`` is a tuple, or None if even the
    rank is unknown. Indexing gives ints (or None), so ``int(x.shape[1])`` works."""

    __slots__ = ("dims",)

    def __init__(self, dims):
        if isinstance(dims, TensorShape):
            dims = dims.dims
        self.dims = None if dims is None else tuple(
            None if d is None or (hasattr(d, "value") and d.value is None) else int(getattr(d, "value", d))
            for d in dims)

    @property
    def ndims(self):
        return None if self.dims is None else len(self.dims)

    rank = ndims

    def as_list(self):
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.dims)

    def is_fully_defined(self):
        return self.dims is not None and None not in self.dims

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self.dims:
            n *= d
        return n

    def merge_with(self, other):
        other = TensorShape(other)
        if self.dims is None:
            return other
        if other.dims is None:
            return self
        if len(self.dims) != len(other.dims):
            raise ShapeError(f"Shapes {self} and {other} have different ranks.")
        out = []
        for a, b in zip(self.dims, other.dims):
            if a is not None and b is not None and a != b:
                raise ShapeError(f"Shapes {self} and {other} are not compatible.")
            out.append(a if a is not None else b)
        return TensorShape(out)

    def is_compatible_with(self, other):
        try:
            self.merge_with(other)
            return True
        except ShapeError:
            return False

    def __iter__(self):
        if self.dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self.dims)

    def __len__(self):
        if self.dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self.dims)

    def __getitem__(self, i):
        if self.dims is None:
            return None if isinstance(i, int) else TensorShape(None)
        if isinstance(i, slice):
            return TensorShape(self.dims[i])
        return self.dims[i]

    def __eq__(self, other):
        try:
            other = TensorShape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self.dims == other.dims

    def __hash__(self):
        return hash(self.dims)

    def __str__(self):
        if self.dims is None:
            return "<unknown>"
        inner = ", ".join("?" if d is None else str(d) for d in self.dims)
        return f"({inner},)" if len(self.dims) == 1 else f"({inner})"

    def __repr__(self):
        return f"TensorShape({'None' if self.dims is None else list(self.dims)})"


def fmt(dims):
    """A shape for messages: ``[?,784]`` (TF's style)."""
    if dims is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def broadcast(a, b):
    """NumPy broadcasting of two static shapes; raises ShapeError when they cannot broadcast."""
    if a is None or b is None:
        return None
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None or x == y:
            out.append(x)
        else:
            raise ShapeError(
                f"Incompatible shapes for broadcasting: {fmt(a)} vs. {fmt(b)}",
                hint="each dimension must match or be 1; reshape or tf.expand_dims one operand")
    return tuple(out)


def normalize_axis(axis, rank, what="axis"):
    """A tuple of non-negative axes (``None`` -> all axes)."""
    if axis is None:
        return tuple(range(rank)) if rank is not None else None
    if isinstance(axis, (str, bytes, float)) or not (hasattr(axis, "__index__") or hasattr(axis, "__iter__")):
        raise TypeError(f"{what} must be an int or a list of ints, got {axis!r} ({type(axis).__name__}).")
    axes = (axis,) if hasattr(axis, "__index__") else tuple(axis)
    for a in axes:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"{what} must be an int or a list of ints, got {a!r} ({type(a).__name__}) "
                            f"in {axis!r}.")
    if rank is None:
        return tuple(int(a) for a in axes)
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < max(rank, 1):
            raise ShapeError(f"{what} {a} is out of range for a tensor of rank {rank} "
                             f"(expected -{rank} <= {what} < {rank})")
        out.append(a % rank if rank else 0)
    return tuple(sorted(set(out)))
