"""``tf.keras.datasets.fashion_mnist``: Zalando's clothes pictures, Keras' loader."""
from teachflow.datasets import mnist as _mnist

CLASS_NAMES = _mnist.FASHION_CLASS_NAMES


def load_data(path=None, download=True):
    """``(x_train, y_train), (x_test, y_test)``: uint8 (60000|10000, 28, 28) images, uint8 labels.

    Looks in ``path`` (a folder of IDX files or an ``.npz``), else the cache folder
    (``$TEACHFLOW_DATA/fashion_mnist`` or ``~/.teachflow/datasets/fashion_mnist``), then in
    Debian's ``dataset-fashion-mnist`` package; downloads only when ``download`` is true.
    Label ``i`` names ``CLASS_NAMES[i]``.
    """
    return _mnist.load_fashion_mnist(path=path, download=download)
