"""The loaders on the real Fashion-MNIST files of Debian's ``dataset-fashion-mnist`` package,
through ``teachflow.datasets`` and ``tf.keras.datasets``; no network (downloads disabled)."""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from teachflow.datasets import DatasetNotFoundError, mnist
from teachflow.keras import datasets as keras_datasets

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = [DEBIAN_DIR / f"{name}.gz" for name in mnist.IDX_FILES]

pytestmark = pytest.mark.skipif(
    not all(f.is_file() for f in FILES),
    reason=f"Debian's dataset-fashion-mnist is not installed (no {DEBIAN_DIR}/*.gz); "
           "apt-get install dataset-fashion-mnist")

# SHA-256 of the loaded arrays' bytes: pins exactly what the loader returns.
ARRAY_SHA256 = ("2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
                "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7",
                "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
                "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9")


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TEACHFLOW_DATA", str(tmp_path))
    monkeypatch.setattr(mnist, "download", lambda *a, **k: pytest.fail("tried to download"))


@pytest.fixture(scope="module")
def fashion():
    return mnist.load(mnist.FASHION_MNIST, DEBIAN_DIR, download=False)


def test_found_offline_without_any_path(fashion):
    (x_train, y_train), (x_test, y_test) = mnist.load_fashion_mnist(download=False)
    np.testing.assert_array_equal(x_train, fashion[0][0])
    np.testing.assert_array_equal(y_test, fashion[1][1])


def test_shapes_dtypes_and_content(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    assert list(y_train[:10]) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert list(y_test[:10]) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    digests = tuple(hashlib.sha256(a.tobytes()).hexdigest()
                    for a in (x_train, y_train, x_test, y_test))
    assert digests == ARRAY_SHA256


def test_keras_fashion_mnist_load_data(fashion):
    (x_train, y_train), (x_test, y_test) = keras_datasets.fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(y_train, fashion[0][1])
    assert keras_datasets.fashion_mnist.CLASS_NAMES[y_train[0]] == "Ankle boot"


def test_read_data_sets_tf1_style():
    data = mnist.read_data_sets(fashion=True, one_hot=True, download=False)
    assert data.train.num_examples == 55000 and data.validation.num_examples == 5000
    assert data.test.images.shape == (10000, 784) and data.test.images.dtype == np.float32
    assert 0.0 <= data.train.images.min() and data.train.images.max() <= 1.0
    images, labels = data.train.next_batch(50)
    assert images.shape == (50, 784) and labels.shape == (50, 10)
    np.testing.assert_array_equal(labels.sum(axis=1), 1)


def test_explicit_empty_path_does_not_fall_back(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        keras_datasets.fashion_mnist.load_data(path=tmp_path / "nothing", download=False)
