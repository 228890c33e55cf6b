"""``tf.contrib``: only ``tf.contrib.rnn``, the RNN names classic TF1 programs import from there
(``tf.contrib.rnn.BasicLSTMCell``, ``tf.contrib.rnn.static_rnn``); every other ``tf.contrib.<x>``
is a clear "not supported" error."""
from . import rnn  # noqa: F401
from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.contrib", globals())
