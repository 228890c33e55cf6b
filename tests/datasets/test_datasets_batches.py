"""``shuffle_batch`` (one epoch of minibatches) and ``DataSet.next_batch`` (TF1's stream)."""
import numpy as np
import pytest

from teachflow.datasets import DataSet, shuffle_batch

X = np.arange(23 * 2).reshape(23, 2)
y = np.arange(23)


def epoch(seed, batch_size=5):
    return list(shuffle_batch(X, y, batch_size, seed=seed))


def test_each_sample_exactly_once_per_epoch():
    batches = epoch(seed=0)
    assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(np.sort(seen), y)
    for xb, yb in batches:  # rows stay paired with their labels
        np.testing.assert_array_equal(xb[:, 0] // 2, yb)


def test_same_seed_replays_other_seed_differs():
    a, b, c = epoch(seed=7), epoch(seed=7), epoch(seed=8)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(np.concatenate([b[1] for b in a]),
                              np.concatenate([b[1] for b in c]))


def test_seed_none_follows_numpy_global_seed():
    np.random.seed(42)
    a = np.concatenate([b[1] for b in epoch(seed=None)])
    np.random.seed(42)
    b = np.concatenate([b[1] for b in epoch(seed=None)])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, y)


def test_batch_larger_than_data_and_lists():
    ((xb, yb),) = list(shuffle_batch(X.tolist(), y.tolist(), 100, seed=0))
    assert xb.shape == (23, 2) and sorted(yb) == list(y)


@pytest.mark.parametrize("args", [(X, y[:-1], 5), (X, y, 0), (X, y, 2.5), (X, y, True)])
def test_bad_arguments_fail_at_the_call(args):
    with pytest.raises(ValueError):
        shuffle_batch(*args)  # no next() needed


def test_next_batch_epochs_and_wraparound():
    data = DataSet(X, y, seed=3)
    seen = [data.next_batch(5)[1] for _ in range(4)]  # 20 of 23
    assert data.epochs_completed == 0
    xb, yb = data.next_batch(5)  # 3 from epoch 0 + 2 from epoch 1
    assert data.epochs_completed == 1
    first_epoch = np.concatenate(seen + [yb[:3]])
    np.testing.assert_array_equal(np.sort(first_epoch), y)
    np.testing.assert_array_equal(xb[:, 0] // 2, yb)
    rest = np.concatenate([yb[3:]] + [data.next_batch(3)[1] for _ in range(7)])
    np.testing.assert_array_equal(np.sort(rest), y)
    assert data.epochs_completed == 2


def test_next_batch_replays_after_reset_and_no_shuffle():
    data = DataSet(X, y, seed=11)
    first = [data.next_batch(4)[1] for _ in range(10)]
    data.reset()
    again = [data.next_batch(4)[1] for _ in range(10)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    ordered = DataSet(X, y)
    np.testing.assert_array_equal(ordered.next_batch(4, shuffle=False)[1], [0, 1, 2, 3])


def test_dataset_batches_and_len():
    data = DataSet(X, y)
    assert len(data) == 23 and "DataSet(" in repr(data)
    seen = np.concatenate([b for _, b in data.batches(10, seed=0)])
    np.testing.assert_array_equal(np.sort(seen), y)
    with pytest.raises(ValueError):
        DataSet(X, y[:3])
