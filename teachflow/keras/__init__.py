"""``tf.keras``: the parts of the Keras API teachflow offers (for now, its ``datasets``)."""
from . import datasets

__all__ = ["datasets"]
