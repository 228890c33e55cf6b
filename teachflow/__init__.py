"""teachflow: a define-then-run deep-learning engine in NumPy that speaks TensorFlow 1.x.

``import teachflow as tf`` and classic TF1 programs run unchanged. This module only re-exports.
"""
from . import ops as _ops  # noqa: F401  (registers every op)
from .core import dtypes as _dt
from .core import errors
from .core.config import ConfigProto, GPUOptions
from .core.constant import constant, convert_to_tensor, placeholder, placeholder_with_default
from .core.dtypes import (DType, as_dtype, bool_ as bool, float16, float32, float64, int8,  # noqa: A004
                          int16, int32, int64, uint8, string)
from .ops.gradients import gradients
from .core.i18n import get_language, set_language
from .core.graph import (Graph, GraphKeys, Operation, Tensor, add_to_collection, add_to_collections,
                         control_dependencies, device, get_collection, get_collection_ref,
                         get_default_graph, name_scope, reset_default_graph, set_random_seed)
from .core.session import InteractiveSession, Session, get_default_session
from .core.shapes import TensorShape
from .core.variables import (Variable, assign, assign_add, assign_sub, global_variables,
                             global_variables_initializer, initialize_all_variables,
                             is_variable_initialized, local_variables, local_variables_initializer,
                             trainable_variables, variables_initializer)
from .ops.creation_ops import (broadcast_like, fill, ones, ones_like, range_ as range, tile,
                               zeros, zeros_like)
from .ops.selection_ops import clip_by_value, identity, rank, shape, size, stop_gradient, where
from .ops.array_ops import concat, expand_dims, reshape, split, squeeze, stack, transpose, unstack
from .ops.index_ops import gather, one_hot, strided_slice
from .ops.compare_ops import (equal, greater, greater_equal, less, less_equal, logical_and,
                              logical_not, logical_or, logical_xor, not_equal)
from .ops.debug_ops import add_check_numerics_ops, check_numerics, verify_tensor_all_finite
from .ops.control_ops import group, no_op, tuple_ as tuple  # noqa: A004
from .ops.control_flow_ops import case, cond, while_loop
from .ops.functional_ops import foldl, foldr, map_fn, scan
from .ops.init_ops import (constant_initializer, glorot_normal_initializer,
                           glorot_uniform_initializer, ones_initializer, random_normal_initializer,
                           random_uniform_initializer, truncated_normal_initializer,
                           variance_scaling_initializer, zeros_initializer)
from .ops.unary_ops import (abs, ceil, cos, exp, floor, log, log1p, negative,  # noqa: A004
                            reciprocal, round, rsqrt, sigmoid, sign, sin, sqrt, square, tanh)
from .ops.math_ops import (add, add_n, cast, div, divide, floordiv, matmul, maximum,  # noqa: A004
                           minimum, mod, multiply, pow, squared_difference, subtract, to_float,
                           to_int32, to_int64, truediv)
from .ops.random_ops import random_normal, random_shuffle, random_uniform, truncated_normal
from .ops.variable_scope import (AUTO_REUSE, VariableScope, get_variable, get_variable_scope,
                                  variable_scope)
from .ops.reduce_ops import (argmax, argmin, count_nonzero, reduce_all, reduce_any, reduce_max,
                             reduce_mean, reduce_min, reduce_prod, reduce_sum)
from . import config, datasets, debugging, distributed, keras, layers, losses, nn, trace, train, viz  # noqa: E402,F401,E501
from . import contrib, linalg, summary  # noqa: E402,F401
from .ops.clip_ops import clip_by_global_norm, clip_by_norm, global_norm  # noqa: E402
from .ops.linalg_ops import matrix_determinant, matrix_inverse, matrix_transpose  # noqa: E402
from .ops.reverse_ops import reverse, reverse_sequence, reverse as reverse_v2  # noqa: E402
# TF1's deprecated names, which TF 1.x still runs
from .ops.reduce_ops import argmax as arg_max, argmin as arg_min  # noqa: E402
from .core.variables import local_variables_initializer as initialize_local_variables  # noqa: E402
from .core.variables import variables_initializer as initialize_variables  # noqa: E402
from .unsupported import concat, module_getattr as _module_getattr  # noqa: E402,F811  (concat: catches the pre-1.0 order)

initializers = _ops.init_ops
random = None  # TF1's tf.random namespace is not part of the classic API we speak
del random

newaxis = None
__version__ = "0.1.0"
# A missing tf.<name>: an error naming the API; tf.Summary: TensorBoard's proto, if installed.
__getattr__ = _module_getattr("tf", globals(), lazy={"Summary": summary.data.proto_class})
