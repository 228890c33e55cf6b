"""``tf.nn``: activations, softmax, losses on logits, convolution and pooling (re-exports)."""
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
from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.nn", globals())  # a missing tf.nn.<name>: an error naming the API
