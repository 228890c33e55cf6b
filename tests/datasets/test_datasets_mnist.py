"""MNIST-style loading from files the tests write: IDX raw/.gz, .npz, damage, cache folders,
and downloads from a server on 127.0.0.1 only (nothing here reaches the internet)."""
import dataclasses
import functools
import gzip
import hashlib
import http.server
import socket
import struct
import threading

import numpy as np
import pytest

from teachflow.datasets import mnist
from teachflow.datasets import DatasetCorruptError, DatasetNotFoundError, read_idx
from teachflow.datasets._files import IMAGES_MAGIC, LABELS_MAGIC, data_home

N_TRAIN, N_TEST = 6, 4


def closed_port_url():
    """A loopback URL nobody listens on: connecting fails at once, offline-style."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def no_internet(monkeypatch, tmp_path):
    """Point every download source at a dead loopback port and the cache at a temp folder."""
    dead = closed_port_url()
    for name in ("MNIST", "FASHION_MNIST"):
        spec = getattr(mnist, name)
        sources = tuple(dataclasses.replace(s, base_url=dead) for s in spec.sources)
        monkeypatch.setattr(mnist, name, dataclasses.replace(spec, sources=sources))
    monkeypatch.setenv("TEACHFLOW_DATA", str(tmp_path / "cache"))


def idx_bytes(array, magic):
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def make_arrays(seed=0):
    rng = np.random.RandomState(seed)
    x_train = rng.randint(0, 256, size=(N_TRAIN, 28, 28)).astype(np.uint8)
    x_test = rng.randint(0, 256, size=(N_TEST, 28, 28)).astype(np.uint8)
    return (x_train, np.arange(N_TRAIN, dtype=np.uint8) % 10), \
        (x_test, np.arange(N_TEST, dtype=np.uint8)[::-1] % 10)


def idx_files(arrays):
    """{IDX file name: bytes} for ((x_train, y_train), (x_test, y_test))."""
    (x_train, y_train), (x_test, y_test) = arrays
    return {"train-images-idx3-ubyte": idx_bytes(x_train, IMAGES_MAGIC),
            "train-labels-idx1-ubyte": idx_bytes(y_train, LABELS_MAGIC),
            "t10k-images-idx3-ubyte": idx_bytes(x_test, IMAGES_MAGIC),
            "t10k-labels-idx1-ubyte": idx_bytes(y_test, LABELS_MAGIC)}


def write_idx(folder, arrays, gz=False, names=None):
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in idx_files(arrays).items():
        name = names(name) if names else name
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


def assert_same(loaded, arrays):
    for (x, y), (ex, ey) in zip(loaded, arrays):
        assert x.dtype == np.uint8 and y.dtype == np.uint8
        assert x.shape[1:] == (28, 28) and y.shape == (len(x),)
        np.testing.assert_array_equal(x, ex)
        np.testing.assert_array_equal(y, ey)


# --- reading ---------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_idx_folder_raw_and_gz(tmp_path, gz):
    arrays = make_arrays()
    write_idx(tmp_path / "d", arrays, gz=gz)
    loaded = mnist.load_mnist(path=tmp_path / "d", download=False)
    assert_same(loaded, arrays)
    assert loaded[0][0].flags.writeable  # students may edit pixels in place


def test_kaggle_dotted_names(tmp_path):
    arrays = make_arrays()
    write_idx(tmp_path, arrays, names=lambda n: n.replace("-idx", ".idx"))
    assert_same(mnist.load_mnist(path=tmp_path, download=False), arrays)


def test_npz_in_folder_and_as_file(tmp_path):
    arrays = make_arrays()
    (x_train, y_train), (x_test, y_test) = arrays
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)
    assert_same(mnist.load_mnist(path=tmp_path, download=False), arrays)
    np.savez(tmp_path / "mine.npz", x_train=x_train, y_train=y_train.astype(np.int64),
             x_test=x_test, y_test=y_test)
    assert_same(mnist.load_mnist(path=tmp_path / "mine.npz", download=False), arrays)


def test_npz_with_pickled_objects_is_refused(tmp_path):
    bad = np.empty(2, dtype=object)
    np.savez(tmp_path / "mnist.npz", x_train=bad, y_train=bad, x_test=bad, y_test=bad)
    with pytest.raises(DatasetCorruptError, match="mnist.npz"):
        mnist.load_mnist(path=tmp_path, download=False)


def test_npz_missing_keys(tmp_path):
    np.savez(tmp_path / "mnist.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DatasetCorruptError, match=r"missing.*y_train"):
        mnist.load_mnist(path=tmp_path, download=False)


def test_npz_wrong_shape(tmp_path):
    x = np.zeros((3, 27, 28), np.uint8)
    y = np.zeros(3, np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    with pytest.raises(DatasetCorruptError, match=r"x_train is uint8 \(3, 27, 28\)"):
        mnist.load_mnist(path=tmp_path, download=False)


def test_bad_magic_names_file_and_expectation(tmp_path):
    write_idx(tmp_path, make_arrays())
    # a labels file where the images should be
    (tmp_path / "train-images-idx3-ubyte").write_bytes(
        (tmp_path / "train-labels-idx1-ubyte").read_bytes())
    with pytest.raises(DatasetCorruptError) as e:
        mnist.load_mnist(path=tmp_path, download=False)
    assert "train-images-idx3-ubyte" in str(e.value)
    assert "0x00000801" in str(e.value) and "expected 0x00000803" in str(e.value)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_truncated_file(tmp_path, gz):
    write_idx(tmp_path, make_arrays())
    data = (tmp_path / "t10k-images-idx3-ubyte").read_bytes()
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    if gz:
        # a complete gzip stream of an incomplete IDX file
        (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(data[:-100]))
    else:
        (tmp_path / "t10k-images-idx3-ubyte").write_bytes(data[:-100])
    with pytest.raises(DatasetCorruptError, match=r"t10k-images-idx3-ubyte.*truncated.*"
                                                  r"\(4, 28, 28\)"):
        mnist.load_mnist(path=tmp_path, download=False)


def test_truncated_gzip_stream(tmp_path):
    write_idx(tmp_path, make_arrays(), gz=True)
    f = tmp_path / "train-labels-idx1-ubyte.gz"
    f.write_bytes(f.read_bytes()[:-10])
    with pytest.raises(DatasetCorruptError, match="train-labels-idx1-ubyte.gz.*gzip"):
        mnist.load_mnist(path=tmp_path, download=False)


def test_not_gzip_at_all(tmp_path):
    f = tmp_path / "x-idx1-ubyte.gz"
    f.write_bytes(b"this is not gzip")
    with pytest.raises(DatasetCorruptError, match="x-idx1-ubyte.gz"):
        read_idx(f)


def test_trailing_bytes(tmp_path):
    f = tmp_path / "labels"
    f.write_bytes(idx_bytes(np.arange(5), LABELS_MAGIC) + b"\0")
    with pytest.raises(DatasetCorruptError, match="trailing bytes"):
        read_idx(f, LABELS_MAGIC)


def test_header_too_short(tmp_path):
    f = tmp_path / "images"
    f.write_bytes(struct.pack(">II", IMAGES_MAGIC, 3))
    with pytest.raises(DatasetCorruptError, match="too short"):
        read_idx(f, IMAGES_MAGIC)


def test_counts_must_agree(tmp_path):
    write_idx(tmp_path, make_arrays())
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.arange(5), LABELS_MAGIC))
    with pytest.raises(DatasetCorruptError, match=r"6 images but .*5 labels"):
        mnist.load_mnist(path=tmp_path, download=False)


def test_labels_out_of_range(tmp_path):
    write_idx(tmp_path, make_arrays())
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(
        idx_bytes([0, 1, 2, 42], LABELS_MAGIC))
    with pytest.raises(DatasetCorruptError, match="label 42"):
        mnist.load_mnist(path=tmp_path, download=False)


def test_read_idx_generic_types(tmp_path):
    values = np.arange(6, dtype=">f4").reshape(2, 3)
    f = tmp_path / "floats"
    f.write_bytes(struct.pack(">I2I", 0x00000D02, 2, 3) + values.tobytes())
    out = read_idx(f)
    assert out.dtype == np.float32 and out.dtype.isnative
    np.testing.assert_array_equal(out, values)


# --- where files are looked for ----------------------------------------------------------

def test_env_var_sets_cache_root(tmp_path, monkeypatch):
    root = tmp_path / "elsewhere"
    monkeypatch.setenv("TEACHFLOW_DATA", str(root))
    assert data_home("mnist") == root / "mnist"
    arrays = make_arrays(seed=3)
    write_idx(root / "mnist", arrays, gz=True)
    assert_same(mnist.load_mnist(download=False), arrays)
    # a bare .npz name, as Keras passes it, is looked for in that same folder
    (x_train, y_train), (x_test, y_test) = make_arrays(seed=4)
    np.savez(root / "mnist" / "k.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)
    assert_same(mnist.load_mnist(path="k.npz", download=False), make_arrays(seed=4))


def test_default_cache_root_without_env(tmp_path, monkeypatch):
    monkeypatch.delenv("TEACHFLOW_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_home("fashion_mnist") == tmp_path / ".teachflow" / "datasets" / "fashion_mnist"


def test_fashion_cache_folder_is_separate(tmp_path):
    mnist_arrays, fashion_arrays = make_arrays(seed=1), make_arrays(seed=2)
    write_idx(tmp_path / "cache" / "mnist", mnist_arrays)
    write_idx(tmp_path / "cache" / "fashion_mnist", fashion_arrays)
    assert_same(mnist.load_mnist(download=False), mnist_arrays)
    assert_same(mnist.load_fashion_mnist(download=False), fashion_arrays)


def test_system_dir_is_a_fallback_only_without_path(tmp_path, monkeypatch):
    system = write_idx(tmp_path / "usr_share", make_arrays(seed=5), gz=True)
    monkeypatch.setattr(mnist, "FASHION_MNIST",
                        dataclasses.replace(mnist.FASHION_MNIST, system_dirs=(str(system),)))
    assert_same(mnist.load_fashion_mnist(download=False), make_arrays(seed=5))
    with pytest.raises(DatasetNotFoundError):
        mnist.load_fashion_mnist(path=tmp_path / "empty", download=False)


# --- not found, offline, downloads ----------------------------------------------------------

def test_not_found_without_download_says_what_to_do(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(mnist, "download", lambda *a, **k: calls.append(a))
    with pytest.raises(OSError) as e:
        mnist.load_mnist(download=False)
    assert isinstance(e.value, DatasetNotFoundError) and calls == []
    msg = str(e.value)
    folder = tmp_path / "cache" / "mnist"
    for name in mnist.IDX_FILES:
        assert name + ".gz" in msg
    assert str(folder) in msg and "mnist.npz" in msg
    assert "TEACHFLOW_DATA" in msg and "teachflow.datasets.digits" in msg


def test_partial_folder_says_which_are_missing(tmp_path):
    write_idx(tmp_path, make_arrays())
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetNotFoundError) as e:
        mnist.load_mnist(path=tmp_path, download=False)
    assert "train-images-idx3-ubyte.gz  (found)" in str(e.value)
    assert "t10k-labels-idx1-ubyte.gz\n" in str(e.value)


def test_offline_download_fails_fast_with_clear_error(tmp_path):
    with pytest.raises(DatasetNotFoundError) as e:
        mnist.load_fashion_mnist(path=tmp_path / "fm", download=True)
    msg = str(e.value)
    assert "downloading http://127.0.0.1:" in msg and "ConnectionError" in msg
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "fm") in msg
    assert "apt-get install dataset-fashion-mnist" in msg
    assert "teachflow.datasets.digits" in msg
    assert not list((tmp_path / "fm").glob("*"))  # nothing half-written left behind


@pytest.fixture
def local_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving the folder it returns; stopped after the test."""
    root = tmp_path / "served"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def served_source(root, base_url, arrays, corrupt=None):
    files = []
    for name, data in idx_files(arrays).items():
        gz = gzip.compress(data)
        (root / (name + ".gz")).write_bytes(gz)
        sha = hashlib.sha256(gz).hexdigest()
        files.append((name + ".gz", "0" * 64 if name == corrupt else sha))
    return mnist.Source(base_url, tuple(files))


def test_download_verifies_and_caches(tmp_path, monkeypatch, local_server, capsys):
    root, url = local_server
    arrays = make_arrays(seed=7)
    source = served_source(root, url, arrays)
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(
        mnist.MNIST, sources=(mnist.Source(closed_port_url(), (("mnist.npz", "0" * 64),)),
                              source)))
    # first source (npz) is offline, the second serves the IDX files
    assert_same(mnist.load_mnist(), arrays)
    cached = tmp_path / "cache" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(n for n, _ in source.files)
    assert "100%" in capsys.readouterr().err  # tqdm's progress bar
    # now offline: the cache answers
    monkeypatch.setattr(mnist, "download", lambda *a, **k: pytest.fail("downloaded again"))
    assert_same(mnist.load_mnist(), arrays)


def test_download_only_fetches_missing_files(tmp_path, local_server, monkeypatch):
    root, url = local_server
    arrays = make_arrays(seed=8)
    source = served_source(root, url, arrays)
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(mnist.MNIST, sources=(source,)))
    folder = write_idx(tmp_path / "d", arrays)
    (folder / "train-labels-idx1-ubyte").unlink()
    fetched = []
    real = mnist.download
    monkeypatch.setattr(mnist, "download", lambda url, name, *a: fetched.append(name)
                        or real(url, name, *a))
    assert_same(mnist.load_mnist(path=folder), arrays)
    assert fetched == ["train-labels-idx1-ubyte.gz"]


def test_bad_hash_never_poisons_the_cache(tmp_path, monkeypatch, local_server):
    root, url = local_server
    source = served_source(root, url, make_arrays(), corrupt="t10k-images-idx3-ubyte")
    monkeypatch.setattr(mnist, "MNIST", dataclasses.replace(mnist.MNIST, sources=(source,)))
    with pytest.raises(DatasetNotFoundError, match="t10k-images-idx3-ubyte.gz.*SHA256"):
        mnist.load_mnist(path=tmp_path / "d")
    names = sorted(p.name for p in (tmp_path / "d").iterdir())
    assert "t10k-images-idx3-ubyte.gz" not in names
    assert all(n.endswith(".gz") for n in names)  # no temporary leftovers
