"""Where data files live, how IDX files are read, and how a missing file is downloaded.

Three small jobs shared by the MNIST-style loaders:

* ``data_home(name)`` picks the cache folder: ``$TEACHFLOW_DATA/<name>/`` when the
  ``TEACHFLOW_DATA`` environment variable is set, else ``~/.teachflow/datasets/<name>/``.
* ``read_idx(path)`` reads one IDX file (raw or ``.gz``), the format LeCun's MNIST files use,
  and checks its magic number, its dimensions and that the file size matches its header, so a
  truncated or corrupt file is a clear error instead of garbage pixels.
* ``download(...)`` fetches one file with pooch: SHA-256 verified, a tqdm progress bar, written
  under a temporary name and moved into place only once the hash matches, so a broken download
  never leaves a bad file in the cache.
"""
import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

ENV_VAR = "TEACHFLOW_DATA"
DEFAULT_ROOT = Path("~/.teachflow/datasets")

# IDX type codes (third byte of the magic number) -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions: (count, rows, columns)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension: (count,)
MAX_BYTES = 2 ** 30  # the largest array read from a dataset file (MNIST's images: 47 MB)


class DatasetNotFoundError(FileNotFoundError):
    """The data files are not on this machine and could not be downloaded.

    A ``FileNotFoundError`` (so an ``OSError``); the message lists the exact file names and the
    folder to put them in.
    """


class DatasetCorruptError(ValueError):
    """A data file exists but is not what it should be (bad magic, truncated, wrong shape)."""


def data_home(name=None):
    """The cache folder for dataset ``name`` (the root folder when ``name`` is None).

    ``$TEACHFLOW_DATA/<name>`` if that environment variable is set and not empty, else
    ``~/.teachflow/datasets/<name>``. Nothing is created here: folders appear on download.
    """
    root = os.environ.get(ENV_VAR) or DEFAULT_ROOT
    root = Path(root).expanduser()
    return root / name if name else root


def read_idx(path, expected_magic=None, max_bytes=None):
    """Read an IDX file (raw, or gzip-compressed when the name ends in ``.gz``) as an array.

    The IDX header is a big-endian magic number ``0x0000TTDD`` (TT the element type, DD the
    number of dimensions) followed by one 4-byte size per dimension; the data follow. The file
    must hold exactly the bytes the header promises. ``expected_magic`` (e.g. ``IMAGES_MAGIC``)
    also pins the type and rank. The header is read and checked first, and then at most the
    promised bytes (never more than ``max_bytes``, default ``MAX_BYTES``) are decompressed, so
    a small ``.gz`` that unpacks to gigabytes cannot exhaust memory. Returns a writable array
    in native byte order.
    """
    path = Path(path)
    limit = MAX_BYTES if max_bytes is None else max_bytes
    gz = path.suffix == ".gz"
    packed = " uncompressed" if gz else ""
    with _open(path) as f:
        head = _read(f, path, 4)
        if len(head) < 4:
            raise DatasetCorruptError(f"{path}: {len(head)} bytes, too short for an IDX header")
        (magic,) = struct.unpack(">I", head)
        if expected_magic is not None and magic != expected_magic:
            raise DatasetCorruptError(
                f"{path}: magic number 0x{magic:08X}, expected 0x{expected_magic:08X} "
                f"({_describe_magic(expected_magic)}); is this the right file?")
        type_code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
        if magic >> 16 != 0 or type_code not in IDX_DTYPES or ndim == 0:
            raise DatasetCorruptError(f"{path}: magic number 0x{magic:08X} is not an IDX header")
        dims = _read(f, path, 4 * ndim)
        if len(dims) < 4 * ndim:
            raise DatasetCorruptError(
                f"{path}: {4 + len(dims)} bytes, too short for an IDX header of {ndim} dimensions")
        shape = struct.unpack(f">{ndim}I", dims)
        dtype = IDX_DTYPES[type_code]
        nbytes = dtype.itemsize
        for d in shape:
            nbytes *= d
        header_size = 4 + 4 * ndim
        if nbytes > limit:
            raise DatasetCorruptError(
                f"{path}: the header promises shape {shape} ({nbytes:,} bytes{packed}), more "
                f"than the {limit:,} bytes teachflow reads from an IDX file")
        if not gz:
            size = os.fstat(f.fileno()).st_size
            if size != header_size + nbytes:
                what = "truncated" if size < header_size + nbytes else "has trailing bytes"
                raise DatasetCorruptError(
                    f"{path}: {what}: the header promises shape {shape} "
                    f"({header_size + nbytes:,} bytes) but the file holds {size:,}; delete it "
                    "and fetch it again")
        data = _read(f, path, nbytes)
        trailing = _read(f, path, 1)
    if len(data) != nbytes or trailing:
        what = "truncated" if len(data) < nbytes else "has trailing bytes"
        got = f"{header_size + len(data):,}" + ("" if not trailing else "+")
        raise DatasetCorruptError(
            f"{path}: {what}: the header promises shape {shape} ({header_size + nbytes:,} bytes"
            f"{packed}) but the file holds {got}; delete it and fetch it again")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def _open(path):
    if not path.is_file():
        raise DatasetNotFoundError(f"{path}: no such file")
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _read(f, path, n):
    """At most ``n`` bytes from ``f``; a damaged gzip stream is a DatasetCorruptError."""
    try:
        return f.read(n)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetCorruptError(
            f"{path}: not a complete gzip file ({e}); delete it and fetch it again") from e


def _describe_magic(magic):
    ndim = magic & 0xFF
    return {1: "IDX labels: unsigned bytes, 1 dimension",
            3: "IDX images: unsigned bytes, 3 dimensions"}.get(ndim, f"{ndim} dimensions")


def download(url, filename, folder, sha256, timeout=30):
    """Fetch ``url`` into ``folder/filename`` with pooch and return its path.

    The SHA-256 is checked before the file gets its final name (pooch writes to a temporary
    file in the same folder and moves it only when the hash matches). Any failure (no network,
    HTTP error, wrong hash, read-only folder) is re-raised as ``DatasetNotFoundError``.
    """
    try:
        import pooch  # imported lazily: only a download needs it (and requests behind it)

        downloader = pooch.HTTPDownloader(progressbar=True, timeout=timeout)
        fetched = pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=filename,
                                 path=folder, downloader=downloader)
    except Exception as e:  # noqa: BLE001 - every failure means "not available"
        raise DatasetNotFoundError(f"downloading {url} failed: {type(e).__name__}: {e}") from e
    return Path(fetched)
