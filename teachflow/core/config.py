"""``tf.ConfigProto`` and ``tf.GPUOptions``: the session options TF1 programs pass.

teachflow runs every kernel with NumPy on the CPU, so most fields are accepted and kept (a
program that sets them runs unchanged) but change nothing. ``intra_op_parallelism_threads=n``
is honoured: the threads one big kernel (a convolution) may use in this session (0: automatic;
see ``core/threads.py``); so is ``inter_op_parallelism_threads`` (1: a plan's independent big ops
run one after another instead of together, see ``core/plan.py``). ``log_device_placement=True`` is honoured too: the first run of each plan prints, for every op it executes, the device it runs on,
in TF1's format (``name: (Type): /job:localhost/replica:0/task:0/device:CPU:0``).
"""

_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


class _Options:
    """Keyword fields with defaults; unknown names are an error (as with a protobuf message)."""
    _fields = {}

    def __init__(self, **kwargs):
        for k, v in self._fields.items():
            object.__setattr__(self, k, v() if callable(v) else v)
        for k, v in kwargs.items():
            setattr(self, k, v)

    def __setattr__(self, key, value):
        if key not in self._fields:
            raise AttributeError(
                f"tf.{type(self).__name__} has no field {key!r}; its fields are: "
                + ", ".join(sorted(self._fields)) + ".")
        object.__setattr__(self, key, value)

    def __repr__(self):
        changed = [f"{k}={getattr(self, k)!r}" for k, v in self._fields.items()
                   if not callable(v) and getattr(self, k) != v]
        return f"{type(self).__name__}({', '.join(changed)})"


class GPUOptions(_Options):
    """``tf.GPUOptions(allow_growth=True, per_process_gpu_memory_fraction=0.4)``: accepted; there
    is no GPU memory to manage in teachflow."""
    _fields = {"allow_growth": False, "per_process_gpu_memory_fraction": 0.0,
               "visible_device_list": "", "allocator_type": "", "force_gpu_compatible": False}


class ConfigProto(_Options):
    """``tf.Session(config=tf.ConfigProto(log_device_placement=True, allow_soft_placement=True))``.

    ``config.gpu_options.allow_growth = True`` works too (``gpu_options`` is a ``GPUOptions``)."""
    _fields = {"log_device_placement": False, "allow_soft_placement": False,
               "gpu_options": GPUOptions, "device_count": dict,
               "inter_op_parallelism_threads": 0, "intra_op_parallelism_threads": 0,
               "use_per_session_threads": False, "operation_timeout_in_ms": 0,
               "isolate_session_state": False}

    def __setattr__(self, key, value):
        if key == "gpu_options" and not isinstance(value, GPUOptions):
            raise TypeError(f"ConfigProto.gpu_options expects a tf.GPUOptions, got {value!r}.")
        super().__setattr__(key, value)


def check_config(config):
    """The config a Session was given: None or a ConfigProto."""
    if config is not None and not isinstance(config, ConfigProto):
        raise TypeError(f"Session expects config=tf.ConfigProto(...) or None, got {config!r}.")
    return config


def device_of(op):
    """The full TF1 device name an op runs on: its requested device (``tf.device``), else CPU:0."""
    d = op.device
    if not d:
        return _CPU
    parts = {"job": "localhost", "replica": "0", "task": "0"}
    dev = None
    for p in d.strip("/").split("/"):
        if not p:
            continue
        key, _, val = p.partition(":")
        key = key.lower()
        if key in parts:
            parts[key] = val
        elif key == "device":
            dev = val
        elif key in ("cpu", "gpu"):
            dev = f"{key.upper()}:{val or 0}"
    dev = dev or "CPU:0"
    if ":" in dev:
        kind, _, idx = dev.partition(":")
        dev = f"{kind.upper()}:{idx}"
    return f"/job:{parts['job']}/replica:{parts['replica']}/task:{parts['task']}/device:{dev}"


def placement_log(ops):
    """The lines TF1 prints with ``log_device_placement``: one per op."""
    return [f"{op.name}: ({op.type}): {device_of(op)}" for op in ops]
