"""``tf.summary``: summaries as graph ops and ``FileWriter`` for TensorBoard event files.

The ops run without extra packages; writing TensorBoard files needs the optional extra
``pip install 'teachflow[tensorboard]'`` (TensorBoard's own protos and event writer).
"""
from ..unsupported import module_getattr as _module_getattr
from . import data
from .summary_ops import histogram, image, merge, merge_all, scalar, text  # noqa: F401
from .writer import FileWriter, TensorBoardMissingWarning  # noqa: F401

# A missing tf.summary.<name>: an error naming the API; tf.summary.Summary: the proto, if installed.
__getattr__ = _module_getattr("tf.summary", globals(), lazy={"Summary": data.proto_class})
