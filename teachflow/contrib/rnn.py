"""``tf.contrib.rnn``: TF1 exposed its RNN cells and ``static_rnn`` here too (re-exports of
``tf.nn.rnn_cell`` and ``tf.nn``)."""
from ..nn.rnn_cell import (BasicLSTMCell, BasicRNNCell, DropoutWrapper, GRUCell,  # noqa: F401
                           LSTMCell, LSTMStateTuple, MultiRNNCell, RNNCell)
from ..nn.recurrent import static_bidirectional_rnn, static_rnn  # noqa: F401
from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.contrib.rnn", globals())
