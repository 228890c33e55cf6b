"""``tf.train``: optimizers, the global step, learning-rate schedules and checkpoints."""
from .optimizers import (AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,  # noqa: F401
                         MomentumOptimizer, Optimizer, RMSPropOptimizer, create_global_step,
                         exponential_decay, get_global_step, get_or_create_global_step)
from .saver import Saver, checkpoint_exists, latest_checkpoint, list_variables  # noqa: F401
from .checkpoint_state import CheckpointState, get_checkpoint_state  # noqa: F401
