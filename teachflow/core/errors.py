"""TF1's error classes (``tf.errors.*``), so classic ``except`` clauses keep working."""


class OpError(Exception):
    """An error while running the graph; ``op`` is the Operation at fault (or None)."""

    def __init__(self, message, op=None):
        super().__init__(message)
        self.message = message
        self.op = op


class InvalidArgumentError(OpError, ValueError):
    """A value (a feed, a kernel input) does not fit what the op expects."""


class FailedPreconditionError(OpError):
    """The run cannot start yet, e.g. a variable was read before it was initialized."""


class NotFoundError(OpError, FileNotFoundError):
    """A file or a checkpoint entry that was asked for does not exist."""


class PermissionDeniedError(OpError, PermissionError):
    """An operation was refused, e.g. a checkpoint state file pointing outside its folder."""


class DataLossError(OpError):
    """A file is truncated or corrupt."""


class CancelledError(OpError):
    """The session was closed."""
