"""``tf.keras.datasets.mnist``: LeCun's handwritten digits, Keras' loader."""
from teachflow.datasets import mnist as _mnist


def load_data(path="mnist.npz", download=True):
    """``(x_train, y_train), (x_test, y_test)``: uint8 (60000|10000, 28, 28) images, uint8 labels.

    As in Keras, ``path`` is an ``.npz`` name inside the cache folder (``$TEACHFLOW_DATA/mnist``
    or ``~/.teachflow/datasets/mnist``); it may also be a folder of IDX files or an ``.npz``
    path of your own. ``download=False`` never touches the network.
    """
    return _mnist.load_mnist(path=path, download=download)
