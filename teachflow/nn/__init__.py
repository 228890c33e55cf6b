"""``tf.nn``: activations, softmax, losses on logits, convolution and pooling, recurrent cells and
``static_rnn``/``dynamic_rnn`` (re-exports)."""
from ..ops.conv_ops import conv2d  # noqa: F401
from ..ops.pool_ops import avg_pool, max_pool  # noqa: F401
from ..ops.loss_ops import (l2_loss, sigmoid_cross_entropy_with_logits,  # noqa: F401
                            softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                            sparse_softmax_cross_entropy_with_logits)
from ..ops.unary_ops import relu, sigmoid, tanh  # noqa: F401
from ..ops.nn_ops import (batch_normalization, bias_add, dropout, embedding_lookup,  # noqa: F401
                          in_top_k, moments, xw_plus_b)
from ..ops.activation_ops import (elu, leaky_relu, log_softmax, relu6, selu,  # noqa: F401
                                  softmax, softplus, softsign)
from ..ops.candidate_sampling_ops import (log_uniform_candidate_sampler,  # noqa: F401
                                          uniform_candidate_sampler)
from .sampled_losses import nce_loss, sampled_softmax_loss  # noqa: F401
from . import rnn_cell  # noqa: F401,E402  (tf.nn.rnn_cell.BasicLSTMCell ...)
from .recurrent import (bidirectional_dynamic_rnn, dynamic_rnn, static_bidirectional_rnn,  # noqa: F401,E402
                        static_rnn)
from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.nn", globals())  # a missing tf.nn.<name>: an error naming the API
