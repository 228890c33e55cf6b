"""Step-through: one run as an ordered, replayable list of forward, backward and update steps."""
from ..core.formatting import summary  # noqa: F401
from .explain import to_latex  # noqa: F401
from .trace import PHASES, Step, Trace, step_through  # noqa: F401
