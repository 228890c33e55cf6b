"""``tf.nn.rnn_cell``: recurrent cells, as TF1's ``rnn_cell_impl.py`` builds them.

A cell is one time step: ``output, new_state = cell(inputs, state)``. It owns its weights, made
with ``tf.get_variable`` on the first call under TF1's names (``rnn/basic_lstm_cell/kernel``,
``.../bias``; ``cell_0/...`` inside a ``MultiRNNCell``) and shared by every later call, so all
time steps use the same weights and a checkpoint's variable list reads like TF1's. The gates sit
in one concatenated kernel in TF1's order (LSTM: i, j, f, o; GRU: r, u, then the candidate), so
weights copied from TensorFlow give TensorFlow's numbers. Everything here composes existing ops
(MatMul, BiasAdd, Sigmoid, Tanh, Split ...): there is no fused RNN kernel, so the step-through
shows every gate.
"""
import numbers

from ..core.constant import convert_to_tensor
from ..core.graph import Tensor, name_scope
from ..core.shapes import ShapeError, TensorShape, fmt
from ..ops import init_ops
from ..ops.array_ops import concat, split
from ..ops.math_ops import matmul
from ..ops.nn_ops import bias_add, dropout
from ..ops.selection_ops import clip_by_value
from ..ops.unary_ops import sigmoid, tanh
from ..ops.variable_scope import get_variable, variable_scope
from .rnn_state import LSTMStateTuple, batch_reference, flatten, map_structure, zeros_for_batch  # noqa: F401


class RNNCell:
    """The protocol every cell follows (subclass it as in TF1): ``state_size``, ``output_size``,
    ``build(inputs_shape)`` making the weights with ``add_variable``, and ``call(inputs, state)``
    returning ``(output, new_state)``; ``__call__`` opens the cell's variable scope around them."""

    _base_name = "rnn_cell"

    def __init__(self, reuse=None, name=None, dtype=None):
        self._reuse = reuse
        self._name = name
        self._dtype = dtype
        self._scope = None
        self.built = False
        self._input_depth = None
        self._variables = []

    @property
    def state_size(self):
        raise NotImplementedError("An RNNCell subclass must define state_size")

    @property
    def output_size(self):
        raise NotImplementedError("An RNNCell subclass must define output_size")

    @property
    def variables(self):
        return list(self._variables)

    trainable_variables = trainable_weights = weights = variables

    def build(self, inputs_shape):
        """Make the weights (``add_variable``) for inputs of ``inputs_shape``."""
        self.built = True

    def call(self, inputs, state):
        raise NotImplementedError("An RNNCell subclass must define call(inputs, state)")

    def add_variable(self, name, shape, initializer=None, dtype=None):
        """``tf.get_variable`` in the cell's scope; without ``initializer``, the scope's
        initializer (``variable_scope(..., initializer=...)``, as the PTB model sets one), else
        glorot-uniform."""
        v = get_variable(name, shape=list(shape), dtype=dtype or self._dtype, initializer=initializer)
        if all(v is not w for w in self._variables):
            self._variables.append(v)
        return v

    add_weight = add_variable

    def __call__(self, inputs, state, scope=None):
        """One time step. The first call fixes the scope (``scope``, else ``<current>/<cell
        name>``) and makes the weights; later calls reuse both, as a TF1 Layer does."""
        inputs = self._check_inputs(inputs)
        if self._scope is None:
            opened = (variable_scope(scope, reuse=self._reuse) if scope is not None else
                      variable_scope(self._name or self._base_name, reuse=self._reuse))
            with opened as captured:
                self._scope = captured
                self._dtype = self._dtype or inputs.dtype
                self.build(TensorShape(inputs._dims))
                self.built, self._input_depth = True, inputs._dims[-1]
                return self.call(inputs, state)
        if inputs._dims[-1] != self._input_depth:
            raise ValueError(
                f"{type(self).__name__} {self._scope.name!r} was built for inputs of depth "
                f"{self._input_depth} and is now called with {inputs.name} of depth "
                f"{inputs._dims[-1]}: one cell object keeps one set of weights. Hint: make a new "
                "cell for each layer, e.g. MultiRNNCell([BasicLSTMCell(n) for _ in range(k)]) "
                "instead of [cell] * k.")
        with variable_scope(self._scope, reuse=True):
            return self.call(inputs, state)

    def _check_inputs(self, inputs):
        x = convert_to_tensor(inputs)
        name = type(self).__name__
        if not x.dtype.is_floating:
            raise TypeError(f"{name}: inputs must be floating-point, got {x.name} of {x.dtype.name}.")
        if x.ndim != 2 or x._dims[-1] is None:
            raise ShapeError(f"{name}: inputs of one time step must have shape [batch, depth] with a "
                             f"known depth, got {x.name} of shape {fmt(x._dims)}. Hint: static_rnn "
                             "takes a list of such tensors (tf.unstack(x, axis=1)); dynamic_rnn takes "
                             "[batch, time, depth].")
        return x

    def zero_state(self, batch_size, dtype):
        """Zeros shaped like ``state_size`` for ``batch_size`` rows (an int, ``tf.shape(x)[0]``,
        or a tensor whose first axis is the batch)."""
        if isinstance(batch_size, numbers.Integral) and not isinstance(batch_size, bool):
            batch = int(batch_size)
        elif isinstance(batch_size, Tensor) and batch_size.ndim == 0:
            batch = batch_reference(batch_size)
        elif isinstance(batch_size, Tensor):
            batch = batch_size
        else:
            raise TypeError(f"zero_state: batch_size must be an int or a tensor, got {batch_size!r}.")
        with name_scope(type(self).__name__ + "ZeroState"):
            return map_structure(lambda n: zeros_for_batch(batch, n, dtype), self.state_size)


def _depth(inputs_shape, cell):
    depth = TensorShape(inputs_shape).as_list()[-1]
    if depth is None:
        raise ValueError(f"{cell}: expected inputs.shape[-1] to be known, saw shape: "
                         f"{fmt(inputs_shape.as_list())}")
    return depth


def _units(num_units, cell):
    if isinstance(num_units, bool) or not isinstance(num_units, numbers.Integral) or num_units < 1:
        raise ValueError(f"{cell}: num_units must be a positive int, got {num_units!r}.")
    return int(num_units)


def _affine(args, kernel, bias):
    """``concat(args, 1)·kernel + bias``: TF1's one product for every gate of a cell."""
    return bias_add(matmul(concat(list(args), 1), kernel), bias)


class _SameSizeCell(RNNCell):
    """A cell whose output is its state: both are ``num_units`` wide."""

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units


class BasicRNNCell(_SameSizeCell):
    """``h' = tanh([x, h]·W + b)``; the output is the new state."""

    _base_name = "basic_rnn_cell"

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None):
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = _units(num_units, "BasicRNNCell")
        self._activation = activation or tanh

    def build(self, inputs_shape):
        depth = _depth(inputs_shape, "BasicRNNCell")
        self._kernel = self.add_variable("kernel", [depth + self._num_units, self._num_units])
        self._bias = self.add_variable("bias", [self._num_units],
                                       initializer=init_ops.zeros_initializer())

    def call(self, inputs, state):
        output = self._activation(_affine([inputs, state], self._kernel, self._bias))
        return output, output


class BasicLSTMCell(RNNCell):
    """The LSTM of Zaremba et al.: ``i, j, f, o = split([x, h]·W + b)``,
    ``c' = c·σ(f + forget_bias) + σ(i)·tanh(j)``, ``h' = tanh(c')·σ(o)``; state ``(c, h)``."""

    _base_name = "basic_lstm_cell"

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None):
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = _units(num_units, type(self).__name__)
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = bool(state_is_tuple)
        self._activation = activation or tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self):
        return self._num_units

    def build(self, inputs_shape):
        depth = _depth(inputs_shape, "BasicLSTMCell")
        n = self._num_units
        self._kernel = self.add_variable("kernel", [depth + n, 4 * n])
        self._bias = self.add_variable("bias", [4 * n], initializer=init_ops.zeros_initializer())

    def call(self, inputs, state):
        c, h = split_state(state, self._state_is_tuple, [self._num_units, self._num_units])
        i, j, f, o = split(_affine([inputs, h], self._kernel, self._bias), 4, axis=1)
        new_c = c * sigmoid(f + self._forget_bias) + sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * sigmoid(o)
        return new_h, join_state(new_c, new_h, self._state_is_tuple)


def split_state(state, state_is_tuple, sizes):
    """An LSTM state as ``(c, h)``: the tuple itself, or the two halves of ``concat([c, h], 1)``."""
    if state_is_tuple:
        if not isinstance(state, tuple) or len(state) != 2:
            raise TypeError(f"An LSTM cell with state_is_tuple=True takes an LSTMStateTuple (c, h) "
                            f"as its state, got {state!r}.")
        return state
    return tuple(split(convert_to_tensor(state), sizes, axis=1))


def join_state(c, h, state_is_tuple):
    return LSTMStateTuple(c, h) if state_is_tuple else concat([c, h], 1)


class LSTMCell(BasicLSTMCell):
    """TF1's full LSTM: BasicLSTMCell plus optional peepholes (``use_peepholes``: the gates also
    see ``c``), ``cell_clip``, a projection of the output (``num_proj``, ``proj_clip``) and a
    chosen ``initializer`` for the weights. Shards are not supported."""

    _base_name = "lstm_cell"

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None):
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise ValueError("LSTMCell: num_unit_shards and num_proj_shards (deprecated in TF1) "
                             "are not supported in teachflow.")
        self._use_peepholes = bool(use_peepholes)
        self._cell_clip, self._proj_clip = cell_clip, proj_clip
        self._initializer = initializer
        self._num_proj = None if num_proj is None else _units(num_proj, "LSTMCell num_proj")

    @property
    def state_size(self):
        n, m = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, m) if self._state_is_tuple else n + m

    @property
    def output_size(self):
        return self._num_proj or self._num_units

    def build(self, inputs_shape):
        depth = _depth(inputs_shape, "LSTMCell")
        n, m, init = self._num_units, self.output_size, self._initializer
        self._kernel = self.add_variable("kernel", [depth + m, 4 * n], initializer=init)
        self._bias = self.add_variable("bias", [4 * n], initializer=init_ops.zeros_initializer())
        if self._use_peepholes:
            self._peep = [self.add_variable(w, [n], initializer=init)
                          for w in ("w_f_diag", "w_i_diag", "w_o_diag")]
        if self._num_proj is not None:
            self._proj = self.add_variable("projection/kernel", [n, self._num_proj],
                                           initializer=init)

    def call(self, inputs, state):
        c_prev, m_prev = split_state(state, self._state_is_tuple,
                                     [self._num_units, self.output_size])
        i, j, f, o = split(_affine([inputs, m_prev], self._kernel, self._bias), 4, axis=1)
        act, fb = self._activation, self._forget_bias
        if self._use_peepholes:
            w_f, w_i, w_o = self._peep
            c = sigmoid(f + fb + w_f * c_prev) * c_prev + sigmoid(i + w_i * c_prev) * act(j)
        else:
            c = sigmoid(f + fb) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = clip_by_value(c, -self._cell_clip, self._cell_clip)
        m = sigmoid(o + w_o * c) * act(c) if self._use_peepholes else sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = matmul(m, self._proj)
            if self._proj_clip is not None:
                m = clip_by_value(m, -self._proj_clip, self._proj_clip)
        return m, join_state(c, m, self._state_is_tuple)


class GRUCell(_SameSizeCell):
    """The gated recurrent unit (Cho et al. 2014): ``r, u = σ([x, h]·W_g + b_g)`` (gate bias 1),
    ``c = tanh([x, r·h]·W_c + b_c)``, ``h' = u·h + (1 − u)·c``; the output is the new state."""

    _base_name = "gru_cell"

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None):
        super().__init__(reuse=reuse, name=name, dtype=dtype)
        self._num_units = _units(num_units, "GRUCell")
        self._activation = activation or tanh
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    def build(self, inputs_shape):
        depth = _depth(inputs_shape, "GRUCell")
        n, k_init, b_init = self._num_units, self._kernel_initializer, self._bias_initializer
        self._gate_kernel = self.add_variable("gates/kernel", [depth + n, 2 * n], initializer=k_init)
        self._gate_bias = self.add_variable(
            "gates/bias", [2 * n], initializer=b_init or init_ops.constant_initializer(1.0))
        self._candidate_kernel = self.add_variable("candidate/kernel", [depth + n, n],
                                                   initializer=k_init)
        self._candidate_bias = self.add_variable(
            "candidate/bias", [n], initializer=b_init or init_ops.zeros_initializer())

    def call(self, inputs, state):
        value = sigmoid(_affine([inputs, state], self._gate_kernel, self._gate_bias))
        r, u = split(value, 2, axis=1)
        c = self._activation(_affine([inputs, r * state], self._candidate_kernel,
                                     self._candidate_bias))
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """Cells stacked in layers: layer k's output is layer k+1's input; the state is the tuple of
    the layers' states. Each layer's weights live under ``cell_<k>/``."""

    _base_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"MultiRNNCell: cells must be a list or tuple of cells, got {cells!r}.")
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        for c in cells:
            if not isinstance(c, RNNCell):
                raise TypeError(f"MultiRNNCell: every cell must be an RNNCell, got {c!r}.")
        self._cells = list(cells)
        self._state_is_tuple = bool(state_is_tuple)
        if not state_is_tuple and any(isinstance(c.state_size, tuple) for c in cells):
            raise ValueError("Some cells return tuples of states, but the flag state_is_tuple is "
                             "not set. State sizes are: "
                             f"{[c.state_size for c in cells]}")

    @property
    def state_size(self):
        sizes = tuple(c.state_size for c in self._cells)
        return sizes if self._state_is_tuple else sum(sizes)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    @property
    def variables(self):
        return [v for c in self._cells for v in c.variables]

    trainable_variables = trainable_weights = weights = variables

    def zero_state(self, batch_size, dtype):
        """Each layer's zero state (TF1: ``MultiRNNCellZeroState/BasicLSTMCellZeroState/...``)."""
        if not self._state_is_tuple:
            return super().zero_state(batch_size, dtype)
        with name_scope("MultiRNNCellZeroState"):
            return tuple(c.zero_state(batch_size, dtype) for c in self._cells)

    def call(self, inputs, state):
        if self._state_is_tuple and (not isinstance(state, tuple) or len(state) != len(self._cells)):
            raise ValueError(f"Expected state to be a tuple of length {len(self._cells)}, but "
                             f"received: {state!r}")
        if not self._state_is_tuple:
            state = split(convert_to_tensor(state), [c.state_size for c in self._cells], axis=1)
        x, new_states = inputs, []
        for k, cell in enumerate(self._cells):
            with variable_scope(f"cell_{k}"):
                x, s = cell(x, state[k])
            new_states.append(s)
        return x, (tuple(new_states) if self._state_is_tuple else concat(new_states, 1))


class DropoutWrapper(RNNCell):
    """Dropout on a cell's inputs, outputs and (new) state, each with its own keep probability
    (a number or a tensor such as a ``keep_prob`` placeholder); a fresh mask every time step.
    The wrapped cell keeps its own scope and weight names. Variational (one mask per sequence)
    dropout is not supported."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__()
        if not isinstance(cell, RNNCell):
            raise TypeError(f"DropoutWrapper: the cell must be an RNNCell, got {cell!r}.")
        if variational_recurrent:
            raise ValueError("DropoutWrapper(variational_recurrent=True) is not supported in teachflow.")
        for what, p in (("input_keep_prob", input_keep_prob), ("output_keep_prob", output_keep_prob),
                        ("state_keep_prob", state_keep_prob)):
            if isinstance(p, numbers.Real) and not 0 < p <= 1:
                raise ValueError(f"Parameter {what} must be between 0 and 1: {p}")
        self._cell, self._seed = cell, seed
        self._keep = {"input": input_keep_prob, "output": output_keep_prob, "state": state_keep_prob}
        self._state_filter = dropout_state_filter_visitor or _drop_all_but_lstm_c

    @property
    def wrapped_cell(self):
        return self._cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    @property
    def variables(self):
        return self._cell.variables

    trainable_variables = trainable_weights = weights = variables

    def zero_state(self, batch_size, dtype):
        with name_scope("DropoutWrapperZeroState"):
            return self._cell.zero_state(batch_size, dtype)

    def _drop(self, x, where, k=0):
        keep = self._keep[where]
        if isinstance(keep, numbers.Real) and keep == 1:
            return x
        seed = None if self._seed is None else self._seed + 7919 * k + {"input": 1, "state": 2}.get(where, 3)
        return dropout(x, keep_prob=keep, seed=seed)

    def __call__(self, inputs, state, scope=None):
        output, new_state = self._cell(self._drop(inputs, "input"), state, scope=scope)
        mask = flatten(_filter_mask(self._state_filter, new_state))
        dropped = iter([self._drop(t, "state", k) if m else t
                        for k, (t, m) in enumerate(zip(flatten(new_state), mask))])
        return self._drop(output, "output"), map_structure(lambda _: next(dropped), new_state)


def _drop_all_but_lstm_c(substate):
    """TF1's default: drop every part of the state except an LSTM's memory ``c``."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


def _filter_mask(visitor, state):
    """True (drop) or False per leaf of ``state``, as TF1 walks ``dropout_state_filter_visitor``:
    on a leaf, True drops it; on a tuple, True looks inside, False keeps all of it, and a tuple
    of bools decides per part."""
    verdict = visitor(state)
    if not isinstance(state, tuple):
        return bool(verdict)
    verdicts = [verdict] * len(state) if isinstance(verdict, bool) else list(verdict)
    parts = [_filter_mask(visitor, part) if v else map_structure(lambda _: False, part)
             for part, v in zip(state, verdicts)]
    return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)

from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.nn.rnn_cell", globals())  # a missing cell: an error naming it
