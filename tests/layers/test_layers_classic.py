"""The classic course's programs (examples/), on the digits: they run and they learn.

BLAS is limited to one thread here: on a busy 2-core machine a second BLAS thread waiting for
a core makes small matrix products hundreds of times slower, and these products are small.
"""
import contextlib
import importlib.util
import os
import time

import numpy as np
import pytest

from teachflow.train.saver import read_checkpoint

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def quiet(*args):
    pass


@pytest.fixture(scope="module")
def dnn():
    return example("dnn_transfer")


@pytest.fixture(scope="module")
def digits(dnn):
    return dnn.load("digits")


@pytest.fixture(scope="module")
def pretrained(dnn, digits, tmp_path_factory):
    train, valid, _ = digits
    ckpt = str(tmp_path_factory.mktemp("dnn") / "my_model_final.ckpt")
    with one_blas_thread():
        acc = dnn.pretrain(train, valid, ckpt, n_epochs=100, log=quiet)
    assert acc >= 0.93
    return ckpt


def test_transfer_reuses_hidden_1_to_3_and_reaches_95_percent(dnn, digits, pretrained, tmp_path):
    train, _, test = digits
    new = str(tmp_path / "my_new_model_final.ckpt")
    t = time.perf_counter()
    with one_blas_thread():
        acc = dnn.transfer(train, test, pretrained, new, n_epochs=100, log=quiet)
    assert time.perf_counter() - t < 60
    assert acc >= 0.95
    old, saved = read_checkpoint(pretrained), read_checkpoint(new)
    assert sorted(saved) == sorted(["hidden1/kernel", "hidden1/bias", "hidden2/kernel", "hidden2/bias",
                                    "hidden3/kernel", "hidden3/bias", "hidden4/kernel", "hidden4/bias",
                                    "outputs/kernel", "outputs/bias"])
    assert saved["hidden4/kernel"].shape == (50, 20) and saved["outputs/kernel"].shape == (20, 10)
    assert not np.array_equal(old["hidden1/kernel"], saved["hidden1/kernel"])  # fine-tuned


def test_freezing_the_lower_layers_with_var_list(dnn, digits, pretrained, tmp_path):
    """The course's var_list=get_collection(TRAINABLE_VARIABLES, scope="hidden[34]|outputs")."""
    train, _, test = digits
    new = str(tmp_path / "frozen.ckpt")
    with one_blas_thread():
        acc = dnn.transfer(train, test, pretrained, new, n_epochs=40, freeze=True, log=quiet)
    assert acc >= 0.85
    old, saved = read_checkpoint(pretrained), read_checkpoint(new)
    for name in ("hidden1/kernel", "hidden1/bias", "hidden2/kernel", "hidden2/bias"):
        np.testing.assert_array_equal(old[name], saved[name])
    assert not np.array_equal(old["hidden3/kernel"], saved["hidden3/kernel"])


def test_classic_cnn_reaches_95_percent_within_a_minute(tmp_path):
    cnn = example("cnn_digits")
    train, test, h, w = cnn.load("digits")
    t = time.perf_counter()
    with one_blas_thread():
        acc = cnn.train_cnn(train, test, h, w, str(tmp_path / "my_mnist_model"), n_epochs=20, log=quiet)
    assert time.perf_counter() - t < 60
    assert acc >= 0.95
    saved = read_checkpoint(str(tmp_path / "my_mnist_model"))
    assert saved["conv1/kernel"].shape == (3, 3, 1, 32) and saved["conv2/kernel"].shape == (3, 3, 32, 64)
    assert saved["fc1/kernel"].shape == (256, 64)
