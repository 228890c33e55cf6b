"""The offline default: scikit-learn's 8x8 digits with teachflow's fixed split."""
import hashlib

import numpy as np
import pytest

from teachflow.datasets import DataSet, digits

# The split must never change: lessons quote accuracies measured on it.
SPLIT_SHA256 = {
    "train": "9981a7aaff177738d89aacae68e9aba7c5dcf7db7e64f5db42c476c98a687210",
    "validation": "1364d56d8567c539f6ce943dc5a60739d6d442957934b37c94ee35cc83d9a094",
    "test": "ba3c8ba1fab97deba56b12947064ccbd2439b65e1e5acc2df20a98ee29cf93a7",
}


@pytest.fixture(scope="module")
def data():
    return digits.load_data()


def test_split_sizes(data):
    assert (data.train.num_examples, data.validation.num_examples,
            data.test.num_examples) == (1257, 270, 270)
    assert digits.TRAIN_SIZE + digits.VALIDATION_SIZE + digits.TEST_SIZE == 1797
    assert all(isinstance(part, DataSet) for part in data)


def test_split_is_pinned_and_a_partition():
    _, labels = digits.load_arrays()
    parts = dict(zip(("train", "validation", "test"), digits.split_indices(labels)))
    for name, idx in parts.items():
        assert hashlib.sha256(np.asarray(idx, np.int64).tobytes()).hexdigest() \
            == SPLIT_SHA256[name], f"the {name} split changed"
    everything = np.concatenate(list(parts.values()))
    np.testing.assert_array_equal(np.sort(everything), np.arange(1797))


def test_split_is_stratified(data):
    _, labels = digits.load_arrays()
    whole = np.bincount(labels) / len(labels)
    for part in data:
        share = np.bincount(part.labels, minlength=10) / part.num_examples
        assert np.abs(share - whole).max() < 0.01


def test_deterministic(data):
    again = digits.load_data()
    for a, b in zip(data, again):
        np.testing.assert_array_equal(a.images, b.images)
        np.testing.assert_array_equal(a.labels, b.labels)


def test_dtypes_and_range(data):
    for part in data:
        assert part.images.dtype == np.float32 and part.images.shape[1:] == (64,)
        assert part.labels.dtype == np.int64
        assert part.images.min() == 0.0 and part.images.max() == 1.0
        assert set(np.unique(part.labels)) == set(range(10))


def test_image_form_and_one_hot(data):
    img = digits.load_data(flat=False, one_hot=True)
    assert img.train.images.shape == (1257, 8, 8, 1) and img.train.images.dtype == np.float32
    np.testing.assert_array_equal(img.train.images.reshape(1257, 64), data.train.images)
    assert img.test.labels.shape == (270, 10) and img.test.labels.dtype == np.float32
    np.testing.assert_array_equal(img.test.labels.argmax(axis=1), data.test.labels)


def test_without_validation_merges_it_into_train(data):
    merged = digits.load_data(validation=False)
    assert merged.validation is None
    assert merged.train.num_examples == 1527
    np.testing.assert_array_equal(merged.test.images, data.test.images)
    np.testing.assert_array_equal(
        merged.train.labels, np.concatenate([data.train.labels, data.validation.labels]))


def test_next_batch_is_seeded(data):
    a = digits.load_data(seed=1).train.next_batch(50)
    b = digits.load_data(seed=1).train.next_batch(50)
    c = digits.load_data(seed=2).train.next_batch(50)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    assert a[0].shape == (50, 64)
