"""``tf.nn.static_rnn`` and ``tf.nn.dynamic_rnn``: a cell run over time, as TF1's ``rnn.py``.

Both open the variable scope ``rnn`` (or ``scope``), start from ``initial_state`` (else the cell's
zero state of ``dtype``) and call the cell once per time step, its weights shared by every step.
``static_rnn`` unrolls a Python list of steps into the graph (one copy of the cell's ops per
step); ``dynamic_rnn`` builds the cell once, in the body of a ``tf.while_loop`` that runs it per
step (so the number of steps may be known only at run time), appending each output.
With ``sequence_length`` (one length per example) a step at or past an example's length outputs
zeros for it and copies its state through, so the final state is the one after its last real
step (TF1's ``_rnn_step``).
"""
from ..core.constant import constant, convert_to_tensor
from ..core.dtypes import int32
from ..core.graph import Tensor
from ..core.shapes import ShapeError, TensorShape, fmt
from ..ops.array_ops import concat, expand_dims, reshape, stack, transpose, unstack
from ..ops.compare_ops import less, less_equal
from ..ops.control_flow_ops import while_loop
from ..ops.creation_ops import zeros_like
from ..ops.index_ops import gather
from ..ops.math_ops import to_int32
from ..ops.reverse_ops import reverse, reverse_sequence
from ..ops.selection_ops import identity, shape, where
from ..ops.variable_scope import variable_scope
from .rnn_cell import RNNCell
from .rnn_state import flatten, map_structure, zeros_for_batch


def _check_cell(cell, fn):
    if not isinstance(cell, RNNCell):
        raise TypeError(f"{fn}: cell must be an instance of RNNCell (tf.nn.rnn_cell.BasicLSTMCell "
                        f"...), got {cell!r}.")


def _initial_state(cell, initial_state, dtype, batch, fn):
    """``initial_state`` checked against ``cell.state_size``, else the zero state of ``dtype``."""
    if initial_state is None:
        if dtype is None:
            raise ValueError(f"{fn}: if there is no initial_state, you must give a dtype "
                             "(e.g. dtype=tf.float32).")
        return cell.zero_state(batch, dtype)
    sizes, parts = flatten(cell.state_size), flatten(initial_state)
    if len(sizes) != len(parts):
        raise ValueError(f"{fn}: initial_state has {len(parts)} parts but the cell's state_size "
                         f"{cell.state_size!r} has {len(sizes)}.")
    return map_structure(convert_to_tensor, initial_state)


def _sequence_length(sequence_length, fn):
    seq = convert_to_tensor(sequence_length)
    if seq.ndim not in (None, 1):
        raise ValueError(f"{fn}: sequence_length must be a vector of length batch_size, but saw "
                         f"shape: {fmt(seq._dims)}")
    if not seq.dtype.is_integer:
        raise TypeError(f"{fn}: sequence_length must hold integers, got {seq.dtype.name}.")
    return identity(to_int32(seq), name="sequence_length")


def _step_past_end(time, seq, state, new_output, new_state):
    """Where ``time >= sequence_length``: output zeros and keep the old state (TF1's _rnn_step)."""
    done = expand_dims(less_equal(seq, time), 1)  # [batch, 1]: row i is past its length
    output = where(done, zeros_like(new_output), new_output)
    state = map_structure(lambda old, new: where(done, old, new), state, new_state)
    return output, state


def _unroll(cell, steps, state, seq, varscope):
    """The cell called once per step (weights shared), with TF1's sequence-length rule."""
    outputs = []
    for time, x in enumerate(steps):
        if time > 0:
            varscope.reuse_variables()
        output, new_state = cell(x, state)
        if seq is not None:
            output, new_state = _step_past_end(time, seq, state, output, new_state)
        outputs.append(output)
        state = new_state
    return outputs, state


def _batch_of(x):
    """The batch size of a [batch, ...] tensor: an int when static, else the tensor itself."""
    return x._dims[0] if x._dims[0] is not None else x


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """The cell unrolled over ``inputs``, a list of [batch, depth] tensors (one per time step):
    returns ``(outputs, state)``, a list of [batch, output_size] tensors and the final state."""
    _check_cell(cell, "static_rnn")
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)):
        raise TypeError("static_rnn: inputs must be a list of [batch, depth] tensors, one per time "
                        "step (tf.unstack(x, axis=1) makes them from [batch, time, depth]).")
    if not inputs:
        raise ValueError("static_rnn: inputs must not be empty.")
    steps = [convert_to_tensor(x) for x in inputs]
    for x in steps:
        if x.ndim != 2 or x._dims[1] is None:
            raise ShapeError(f"static_rnn: every input must have shape [batch, depth] with a known "
                             f"depth, got {x.name} of shape {fmt(x._dims)}.")
    with variable_scope(scope or "rnn") as varscope:
        state = _initial_state(cell, initial_state, dtype, _batch_of(steps[0]), "static_rnn")
        seq = None if sequence_length is None else _sequence_length(sequence_length, "static_rnn")
        return _unroll(cell, steps, state, seq, varscope)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """The cell run over the time axis of ``inputs`` ([batch, time, depth], or [time, batch,
    depth] with ``time_major``) by a ``tf.while_loop``, as TF1 does: returns ``(outputs,
    state)``, outputs shaped like the inputs with ``output_size`` for depth, and the final state.
    The number of time steps may be unknown until run time."""
    _check_cell(cell, "dynamic_rnn")
    if isinstance(inputs, (list, tuple)):
        raise TypeError("dynamic_rnn in teachflow takes one tensor of inputs, [batch, time, depth] "
                        "(nested tuples of inputs are not supported); for a list of per-step "
                        "tensors use tf.nn.static_rnn, or tf.stack(steps, axis=1).")
    x = convert_to_tensor(inputs)
    if not x.dtype.is_floating:
        raise TypeError(f"dynamic_rnn: inputs must be floating-point, got {x.name} of {x.dtype.name}.")
    layout = "[time, batch, depth]" if time_major else "[batch, time, depth]"
    if x.ndim != 3 or x._dims[2] is None:
        raise ShapeError(f"dynamic_rnn: inputs must have shape {layout} with a known depth, got "
                         f"{x.name} of shape {fmt(x._dims)}.")
    with variable_scope(scope or "rnn"):
        x_tm = x if time_major else transpose(x, [1, 0, 2])
        batch = x_tm._dims[1] if x_tm._dims[1] is not None else (x_tm[0] if time_major else x)
        state = _initial_state(cell, initial_state, dtype, batch, "dynamic_rnn")
        seq = None if sequence_length is None else _sequence_length(sequence_length, "dynamic_rnn")
        outputs, state = _while_over_time(cell, x_tm, state, seq, batch)
        return (outputs if time_major else transpose(outputs, [1, 0, 2])), state


def _while_over_time(cell, x_tm, state, seq, batch):
    """TF1's ``_dynamic_rnn_loop``: a while loop over ``time``, reading step ``time`` of the
    inputs and appending the cell's output to the outputs so far ([time, batch, output_size])."""
    steps = x_tm._dims[0] if x_tm._dims[0] is not None else shape(x_tm)[0]
    b = x_tm._dims[1]
    first = zeros_for_batch(batch, cell.output_size, x_tm.dtype)
    no_outputs = expand_dims(first, 0)[:0]  # [0, batch, output_size]: nothing yet

    def more_steps(time, outputs, state):
        return less(time, steps)

    def one_step(time, outputs, state):
        output, new_state = cell(gather(x_tm, time), state)
        if seq is not None:
            output, new_state = _step_past_end(time, seq, state, output, new_state)
        return time + 1, concat([outputs, expand_dims(output, 0)], 0), new_state

    loop_vars = [constant(0, dtype=int32, name="time"), no_outputs, state]
    invariants = [TensorShape([]), TensorShape([None, b, cell.output_size]),
                  map_structure(lambda t: TensorShape([b] + list(t._dims[1:])), state)]
    _, outputs, state = while_loop(more_steps, one_step, loop_vars, shape_invariants=invariants)
    known = [-1 if d is None else d for d in (x_tm._dims[0], b)]
    if known.count(-1) <= 1:  # give the outputs back their static shape
        outputs = reshape(outputs, known + [cell.output_size])
    return outputs, state


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None,
                              swap_memory=False, time_major=False, scope=None):
    """Two ``dynamic_rnn``: ``cell_fw`` reads the sequences forwards (scope ``fw``), ``cell_bw``
    reads each one backwards from its last real step (``tf.reverse_sequence`` with
    ``sequence_length``; scope ``bw``), and its outputs are reversed back so both line up in time.
    Returns ``((output_fw, output_bw), (state_fw, state_bw))``, as TF1."""
    _check_cell(cell_fw, "bidirectional_dynamic_rnn")
    _check_cell(cell_bw, "bidirectional_dynamic_rnn")
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "bidirectional_rnn"):
        seq = None if sequence_length is None else _sequence_length(sequence_length,
                                                                    "bidirectional_dynamic_rnn")

        def backwards(t):
            return reverse(t, [time_axis]) if seq is None else reverse_sequence(t, seq, time_axis,
                                                                                batch_axis)
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(cell_fw, inputs, seq, initial_state_fw, dtype,
                                              time_major=time_major, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_out, state_bw = dynamic_rnn(cell_bw, backwards(convert_to_tensor(inputs)), seq,
                                                 initial_state_bw, dtype, time_major=time_major,
                                                 scope=bw_scope)
        return (output_fw, backwards(reversed_out)), (state_fw, state_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None,
                             dtype=None, sequence_length=None, scope=None):
    """Two ``static_rnn`` (forwards in scope ``fw``, backwards in ``bw``, as in
    ``bidirectional_dynamic_rnn``); returns ``(outputs, state_fw, state_bw)`` where each output is
    ``concat([output_fw, output_bw], 1)``, as TF1."""
    _check_cell(cell_fw, "static_bidirectional_rnn")
    _check_cell(cell_bw, "static_bidirectional_rnn")
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("static_bidirectional_rnn: inputs must be a non-empty list of [batch, depth] "
                        "tensors, one per time step.")
    with variable_scope(scope or "bidirectional_rnn"):
        seq = None if sequence_length is None else _sequence_length(sequence_length,
                                                                    "static_bidirectional_rnn")

        def backwards(steps):
            if seq is None:
                return list(reversed(steps))
            return unstack(reverse_sequence(stack(steps), seq, seq_axis=0, batch_axis=1))
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, seq, fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_out, state_bw = static_rnn(cell_bw, backwards(list(inputs)), initial_state_bw,
                                                dtype, seq, bw_scope)
        outputs = [concat([fw, bw], 1) for fw, bw in zip(output_fw, backwards(reversed_out))]
        return outputs, state_fw, state_bw
