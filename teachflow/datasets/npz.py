"""Reading ``.npz`` archives from anywhere (a dataset, a classmate's checkpoint) safely.

``np.load`` trusts each member's ``.npy`` header: a 100-byte member claiming shape
(10**12,) makes NumPy allocate before it notices the data are missing, and an object dtype
means a pickle. Here the header is parsed first and checked (no objects, the caller's
expectations, a size bound, and the member's stored size equal to header + data), and only
then are exactly that many bytes read.
"""
import io
import zipfile

import numpy as np


class NpzError(ValueError):
    """One member is not a plain array of the expected kind; ``pickle`` marks an object array."""

    def __init__(self, why, pickle=False):
        super().__init__(why)
        self.pickle = pickle


def open_archive(data):
    """A ``ZipFile`` over ``data`` (bytes) or a path; NpzError when it is not a zip archive."""
    try:
        return zipfile.ZipFile(io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise NpzError(f"not a .npz (zip) archive ({e})") from None


def members(archive):
    """``{array name: ZipInfo}`` (``"x_train"`` for member ``x_train.npy``); other members are
    an error."""
    out = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise NpzError(f"holds {info.filename!r}, which is not a .npy array")
        out[info.filename[:-4]] = info
    return out


def read_member(archive, info, max_bytes, expect=None):
    """The array stored in member ``info``, checked before anything is allocated.

    ``expect(shape, dtype)`` may raise NpzError to refuse a header; arrays above ``max_bytes``
    and members whose size disagrees with their header (truncated, trailing data) are refused."""
    if info.file_size > max_bytes + 65536:
        raise NpzError(f"unpacks to {info.file_size:,} bytes, more than the {max_bytes:,} allowed")
    try:
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise NpzError(f"has an unknown .npy version {version}")
            if dtype.hasobject:
                raise NpzError("holds a Python object (pickle), not a plain array", pickle=True)
            if expect is not None:
                expect(tuple(shape), dtype)
            nbytes = dtype.itemsize
            for d in shape:
                nbytes *= d
            if nbytes > max_bytes:
                raise NpzError(f"claims {dtype.name} of shape {list(shape)} ({nbytes:,} bytes), more "
                               f"than the {max_bytes:,} allowed")
            header = f.tell()
            if info.file_size != header + nbytes:
                what = "truncated" if info.file_size < header + nbytes else "followed by trailing data"
                raise NpzError(f"is {what}: its header promises {dtype.name} of shape {list(shape)} "
                               f"({nbytes:,} bytes) but it stores {info.file_size - header:,}")
            raw = f.read(nbytes)
    except NpzError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as e:
        raise NpzError(f"could not be read ({e})") from None
    if len(raw) != nbytes:
        raise NpzError(f"is truncated: {len(raw):,} of {nbytes:,} bytes")
    value = np.frombuffer(raw, dtype=dtype)
    value = value.reshape(tuple(shape)[::-1]).T if fortran else value.reshape(shape)
    return np.array(value, order="C")  # a writable copy in C order
