"""``tf.train``: optimizers, the global step, learning-rate schedules and checkpoints."""
from .optimizers import (AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer,  # noqa: F401
                         MomentumOptimizer, Optimizer, RMSPropOptimizer)
from .schedules import (create_global_step, exponential_decay, get_global_step,  # noqa: F401
                        get_or_create_global_step)
from .saver import Saver, checkpoint_exists, latest_checkpoint, list_variables  # noqa: F401
