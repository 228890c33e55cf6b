"""``tf.keras``: the parts of the Keras API teachflow offers (for now, its ``datasets``)."""
from . import datasets

__all__ = ["datasets"]

from ..unsupported import module_getattr as _module_getattr  # noqa: E402
__getattr__ = _module_getattr("tf.keras", globals())  # a missing tf.keras.<name>: an error naming the API
