"""MNIST and Fashion-MNIST: 70,000 grey 28x28 images each, in 10 classes.

``load_mnist()`` and ``load_fashion_mnist()`` return ``(X_train, y_train), (X_test, y_test)``
exactly as Keras' loaders do: uint8 images of shape (N, 28, 28) and uint8 labels, 60,000 for
training and 10,000 for testing.

Where the files are looked for, in order:

1. the folder given as ``path`` (or, when ``path`` ends in ``.npz``, that file; a bare name
   such as Keras' ``"mnist.npz"`` is taken inside the cache folder), else the cache folder
   ``$TEACHFLOW_DATA/<name>/`` or ``~/.teachflow/datasets/<name>/`` (``<name>`` is ``mnist``
   or ``fashion_mnist``);
2. in that folder, a Keras-style ``.npz`` (arrays ``x_train``, ``y_train``, ``x_test``,
   ``y_test``; read with ``allow_pickle=False``), else the four IDX files
   ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
   ``t10k-labels-idx1-ubyte``, each raw or ``.gz``;
3. Fashion-MNIST only, when no ``path`` was given: Debian's ``dataset-fashion-mnist`` package
   (``/usr/share/datasets/fashion-mnist``), so ``apt-get install dataset-fashion-mnist`` is an
   offline source;
4. if ``download=True``: the public copies, fetched with a SHA-256 check into the folder of 1.

Offline, a missing dataset raises ``DatasetNotFoundError`` (an ``OSError``) naming the files
and the folder. The 8x8 digits in ``teachflow.datasets.digits`` need no file at all.

``read_data_sets()`` gives the TF1 tutorial's object instead (``mnist.train.next_batch(50)``).
"""
import dataclasses
from pathlib import Path

import numpy as np

from ._files import (ENV_VAR, IMAGES_MAGIC, LABELS_MAGIC, MAX_BYTES, DatasetCorruptError,
                     DatasetNotFoundError, data_home, download, read_idx)
from .npz import NpzError, members, open_archive, read_member
from .batches import DataSet, Datasets

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)


@dataclasses.dataclass(frozen=True)
class Source:
    """One place to download from: a base URL and its files with their SHA-256 sums."""

    base_url: str
    files: tuple  # ((file name, sha256 hex), ...)


@dataclasses.dataclass(frozen=True)
class Spec:
    """What a loader needs to know about one MNIST-style dataset."""

    name: str  # cache sub-folder
    title: str
    npz_name: str
    sources: tuple  # Source, tried in order
    system_dirs: tuple = ()  # read-only folders an OS package fills


_MNIST_IDX_SHA256 = (
    ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
)
_FASHION_IDX_SHA256 = (
    ("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
    ("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
    ("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
    ("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
)

MNIST = Spec(
    name="mnist", title="MNIST", npz_name="mnist.npz",
    sources=(
        # Keras' own copy: one file, the arrays already in Keras' layout.
        Source("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
               (("mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),)),
        # The original IDX files, from the mirror torchvision uses.
        Source("https://ossci-datasets.s3.amazonaws.com/mnist/", _MNIST_IDX_SHA256),
    ))

FASHION_MNIST = Spec(
    name="fashion_mnist", title="Fashion-MNIST", npz_name="fashion_mnist.npz",
    sources=(
        Source("https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
               _FASHION_IDX_SHA256),
        Source("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", _FASHION_IDX_SHA256),
    ),
    system_dirs=("/usr/share/datasets/fashion-mnist",))

FASHION_CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                       "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def load_mnist(path=None, download=True):
    """LeCun's handwritten digits as ``(X_train, y_train), (X_test, y_test)``, like Keras.

    ``path``: a folder holding the IDX files or an ``.npz``, or an ``.npz`` file (see the
    module docstring); None means the cache folder. ``download``: fetch the files when missing.
    """
    return load(MNIST, path, download)


def load_fashion_mnist(path=None, download=True):
    """Zalando's Fashion-MNIST as ``(X_train, y_train), (X_test, y_test)``, like Keras.

    Same rules as ``load_mnist``; also reads Debian's ``dataset-fashion-mnist`` package.
    Class names are in ``FASHION_CLASS_NAMES``.
    """
    return load(FASHION_MNIST, path, download)


load_data = load_mnist


def read_data_sets(train_dir=None, one_hot=False, reshape=True, validation_size=5000,
                   seed=0, fashion=False, download=True):
    """The TF1 tutorial's ``input_data.read_data_sets``: ``.train``, ``.validation``, ``.test``.

    Images become float32 in [0, 1] (pixel / 255), flat (N, 784) when ``reshape`` else
    (N, 28, 28, 1); labels int64, or float32 one-hot (N, 10). As in TF1, the first
    ``validation_size`` training images form the validation set. ``seed`` fixes the order
    ``next_batch`` draws in (None: different every run).
    """
    (x_train, y_train), (x_test, y_test) = load(FASHION_MNIST if fashion else MNIST,
                                                train_dir, download)
    if not 0 <= validation_size <= len(x_train):
        raise ValueError(f"validation_size must be in [0, {len(x_train)}], got {validation_size}")

    def make(x, y, seed):
        x = x.astype(np.float32) / 255.0
        x = x.reshape(len(x), -1) if reshape else x[..., np.newaxis]
        y = y.astype(np.int64)
        if one_hot:
            y = np.eye(NUM_CLASSES, dtype=np.float32)[y]
        return DataSet(x, y, seed=seed)

    v = validation_size
    return Datasets(train=make(x_train[v:], y_train[v:], seed),
                    validation=make(x_train[:v], y_train[:v], seed),
                    test=make(x_test, y_test, seed))


def load(spec, path=None, download=True):
    """Load the dataset described by ``spec`` (``MNIST`` or ``FASHION_MNIST``); see above."""
    folder, npz = _resolve(spec, path)
    searched = [folder]
    arrays = _load_local(folder, npz)
    if arrays is None and path is None:
        for system_dir in map(Path, spec.system_dirs):
            searched.append(system_dir)
            arrays = _load_local(system_dir, system_dir / spec.npz_name)
            if arrays is not None:
                break
    if arrays is not None:
        return arrays
    if not download:
        raise _not_found(spec, folder, npz, searched, None)
    errors = []
    for source in spec.sources:
        try:
            _fetch(source, folder, npz)
        except DatasetNotFoundError as e:
            errors.append(str(e))
            continue
        arrays = _load_local(folder, npz)
        if arrays is not None:
            return arrays
    raise _not_found(spec, folder, npz, searched, errors or ["no download source"])


def _resolve(spec, path):
    """(folder, npz file) for ``path``: a folder, an .npz file, or a bare .npz name."""
    if path is None:
        folder = data_home(spec.name)
        return folder, folder / spec.npz_name
    path = Path(path).expanduser()
    if path.suffix == ".npz":
        if path.parent == Path("."):  # Keras-style bare name: inside the cache folder
            return data_home(spec.name), data_home(spec.name) / path.name
        return path.parent, path
    return path, path / spec.npz_name


def _load_local(folder, npz):
    """The four arrays from ``npz`` or the IDX files in ``folder``; None when incomplete."""
    if npz.is_file():
        return _read_npz(npz)
    found = [_find_idx(folder, name) for name in IDX_FILES]
    if None in found:
        return None
    x_train, y_train = _read_pair(found[0], found[1])
    x_test, y_test = _read_pair(found[2], found[3])
    return (x_train, y_train), (x_test, y_test)


def _find_idx(folder, name):
    """``folder/name`` raw or ``.gz``; also Kaggle's spelling ``train-images.idx3-ubyte``."""
    dotted = name.replace("-idx", ".idx")
    for candidate in (name, name + ".gz", dotted, dotted + ".gz"):
        if (Path(folder) / candidate).is_file():
            return Path(folder) / candidate
    return None


def _read_pair(images_path, labels_path):
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.shape[1:] != IMAGE_SHAPE:
        raise DatasetCorruptError(
            f"{images_path}: images of {images.shape[1]}x{images.shape[2]} pixels, expected 28x28")
    if len(images) != len(labels):
        raise DatasetCorruptError(
            f"{images_path} holds {len(images):,} images but {labels_path} holds "
            f"{len(labels):,} labels; the counts must agree (files from different sets?)")
    _check_labels(labels, labels_path)
    return images, labels


def _check_labels(labels, where):
    if labels.size and labels.max() >= NUM_CLASSES:
        raise DatasetCorruptError(
            f"{where}: label {int(labels.max())} found, expected 0..{NUM_CLASSES - 1}")


def _read_npz(npz):
    """Keras' ``mnist.npz`` layout, read without pickle and checked like the IDX files: each
    array's header is checked (uint8 images N x 28 x 28, at most MAX_BYTES, stored size equal to
    what the header promises) before it is allocated."""
    def expect(key):
        def check(shape, dtype):
            if key.startswith("x") and (dtype != np.uint8 or len(shape) != 3
                                        or shape[1:] != IMAGE_SHAPE):
                raise NpzError(f"is {dtype} {shape}, expected uint8 (N, 28, 28)")
            if key.startswith("y") and (len(shape) != 1 or dtype.kind not in "ui"):
                raise NpzError(f"is {dtype} {shape}, expected integer labels (N,)")
        return check
    try:
        with open_archive(npz) as archive:
            found = members(archive)
            missing = [k for k in NPZ_KEYS if k not in found]
            if missing:
                raise DatasetCorruptError(
                    f"{npz}: arrays {missing} missing; expected {list(NPZ_KEYS)} "
                    f"(found {sorted(found)})")
            arrays = {}
            for k in NPZ_KEYS:
                try:
                    arrays[k] = read_member(archive, found[k], MAX_BYTES, expect(k))
                except NpzError as e:
                    raise DatasetCorruptError(f"{npz}: {k} {e}; delete it and fetch it again") from None
    except NpzError as e:
        raise DatasetCorruptError(f"{npz}: not a readable .npz of plain arrays ({e})") from None
    except OSError as e:
        raise DatasetCorruptError(f"{npz}: could not be read ({e})") from e
    x_train, y_train, x_test, y_test = (arrays[k] for k in NPZ_KEYS)
    for x, y, part in ((x_train, y_train, "train"), (x_test, y_test, "test")):
        if len(y) != len(x):
            raise DatasetCorruptError(
                f"{npz}: y_{part} is {y.dtype} {y.shape}, expected {len(x):,} integer labels")
        _check_labels(y, f"{npz}: y_{part}")
    return (x_train, y_train.astype(np.uint8)), (x_test, y_test.astype(np.uint8))


def _fetch(source, folder, npz):
    """Download what ``source`` offers and ``folder`` lacks (an .npz takes ``npz``'s name)."""
    for filename, sha256 in source.files:
        if filename.endswith(".npz"):
            target = npz.name
            if npz.is_file():
                continue
        else:
            target = filename
            if _find_idx(folder, filename[:-len(".gz")]) is not None:
                continue
        download(source.base_url + filename, target, folder, sha256)


def _not_found(spec, folder, npz, searched, failures):
    """The error for a dataset that is nowhere; ``failures``: download errors, None if off."""
    files = "\n".join(f"    {name}.gz" + ("  (found)" if _find_idx(folder, name) else "")
                      for name in IDX_FILES)
    looked = ", ".join(str(p) for p in searched)
    apt = "".join(f"\n  or, on Debian/Ubuntu: apt-get install dataset-fashion-mnist (read "
                  f"from {d} when no path is given)" for d in spec.system_dirs[:1])
    if failures is None:
        how = "download=False, so nothing was fetched."
    else:
        how = "could not be downloaded:\n" + "\n".join(
            "  " + (f if len(f) <= 300 else f[:297] + "...") for f in failures)
    return DatasetNotFoundError(
        f"{spec.title} is not on this machine and {how}\n"
        f"Looked in: {looked}\n"
        f"Put these four files (gzipped or not) in {folder}/\n{files}\n"
        f"  or a Keras-style {npz.name} (arrays {', '.join(NPZ_KEYS)}) at {npz}\n"
        f"  or set the {ENV_VAR} environment variable to a folder holding "
        f"{spec.name}/, or pass path=...{apt}\n"
        f"teachflow.datasets.digits (8x8 digits shipped with scikit-learn) works offline.")
