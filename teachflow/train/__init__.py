"""``tf.train``: optimizers, the global step, learning-rate schedules and checkpoints."""
from .optimizers import (AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,  # noqa: F401
                         MomentumOptimizer, Optimizer, RMSPropOptimizer)
from .schedules import (create_global_step, exponential_decay, get_global_step,  # noqa: F401
                        get_or_create_global_step)
from .saver import Saver, checkpoint_exists, latest_checkpoint, list_variables  # noqa: F401
from .meta_graph import export_meta_graph, import_meta_graph  # noqa: F401
from .checkpoint_state import CheckpointState, get_checkpoint_state  # noqa: F401
from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.train", globals())  # a missing tf.train.<name>: an error naming the API
