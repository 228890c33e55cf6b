"""``tf.keras.datasets.mnist.load_data()``: Keras' call shapes on a tiny Keras-style npz."""
import numpy as np
import pytest

from teachflow.datasets import DatasetNotFoundError, mnist
from teachflow.keras import datasets


@pytest.fixture(autouse=True)
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TEACHFLOW_DATA", str(tmp_path))
    monkeypatch.setattr(mnist, "download", lambda *a, **k: pytest.fail("tried to download"))
    return tmp_path


def test_mnist_load_data_from_keras_npz(cache):
    rng = np.random.RandomState(0)
    x_train = rng.randint(0, 256, (5, 28, 28)).astype(np.uint8)
    x_test = rng.randint(0, 256, (3, 28, 28)).astype(np.uint8)
    y_train, y_test = np.array([5, 0, 4, 1, 9], np.uint8), np.array([7, 2, 1], np.uint8)
    (cache / "mnist").mkdir()
    np.savez_compressed(cache / "mnist" / "mnist.npz", x_train=x_train, y_train=y_train,
                        x_test=x_test, y_test=y_test)
    (a, b), (c, d) = datasets.mnist.load_data()
    for got, want in ((a, x_train), (b, y_train), (c, x_test), (d, y_test)):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)
    (a2, _), _ = datasets.mnist.load_data(path="mnist.npz")
    np.testing.assert_array_equal(a2, x_train)


def test_mnist_load_data_missing_is_an_oserror(cache):
    with pytest.raises(OSError) as e:
        datasets.mnist.load_data(download=False)
    assert isinstance(e.value, DatasetNotFoundError)
    assert str(cache / "mnist" / "mnist.npz") in str(e.value)
