"""``tf.keras.datasets``: ``mnist.load_data()`` and ``fashion_mnist.load_data()`` as in Keras.

They return ``(x_train, y_train), (x_test, y_test)`` with uint8 (N, 28, 28) images and uint8
labels; files are found, or downloaded, as ``teachflow.datasets.mnist`` explains.
"""
from . import fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist"]
