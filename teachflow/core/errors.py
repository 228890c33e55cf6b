"""TF1's error classes (``tf.errors.*``), so classic ``except`` clauses keep working.

Messages stay English, as TF1's; the three errors beginners meet first also get a line in the
student's language when it is not English (``i18n.hint`` with one of the texts below)."""
from .i18n import N_

PLACEHOLDER_HINT = N_("Hint: placeholder '{name}' is an empty slot of the computation graph: every "
                      "sess.run that needs it must fill it through feed_dict, e.g. "
                      "sess.run(y, feed_dict={{x: data}}).")
UNINITIALIZED_HINT = N_("Hint: variable '{name}' has no value yet in this session: run "
                        "sess.run(tf.global_variables_initializer()) once after building the graph "
                        "(or restore a checkpoint) before using it.")
FEED_SHAPE_HINT = N_("Hint: the value fed to '{name}' has shape {value}, but the placeholder "
                     "expects {expected}; reshape the data (or the placeholder) so they agree.")
SHAPE_HINT = N_("Hint: the input shapes of '{name}' ({shapes}) do not fit together; print each "
                "tensor's .shape and check the matrix sizes (for matmul the inner dimensions must "
                "be equal).")


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
