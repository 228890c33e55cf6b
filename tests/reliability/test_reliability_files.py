"""Dataset files and run logs from anywhere: random IDX headers, gzip bombs, forged and
truncated mnist.npz, malformed/binary/truncated event logs, histories and traces. Each bad file
is an error naming the file and the problem; nothing reads more than its header promises."""
import gzip
import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import teachflow.distributed as dist
from teachflow.datasets import DatasetCorruptError, read_idx
from teachflow.datasets import _files
from teachflow.datasets.mnist import _read_npz
from reliability_limits import run_limited, time_limit

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------- IDX files
@SETTINGS
@given(type_code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0x07, 0xFF]),
       dims=st.lists(st.integers(0, 2 ** 32 - 1) | st.integers(0, 6), min_size=0, max_size=4),
       high=st.sampled_from([0, 0, 0, 1, 0x0100]),
       extra=st.integers(-3, 3), gz=st.booleans())
def test_random_idx_headers(tmp_path, type_code, dims, high, extra, gz):
    """A header with random type, rank, sizes and top bytes, followed by a body that is the
    promised size give or take a few bytes: either exactly the promised array, or a
    DatasetCorruptError naming the file; never an allocation beyond the bound."""
    magic = (high << 16) | (type_code << 8) | len(dims)
    header = struct.pack(f">I{len(dims)}I", magic, *dims)
    dtype = _files.IDX_DTYPES.get(type_code)
    promised = int(np.prod(dims, dtype=object)) * (dtype.itemsize if dtype else 1) if dims else 0
    body = bytes(range(256)) * (max(0, min(promised, 4096) + extra) // 256 + 1)
    body = body[:max(0, min(promised, 4096) + extra)]
    path = tmp_path / ("x-idx-ubyte.gz" if gz else "x-idx-ubyte")
    data = header + body
    path.write_bytes(gzip.compress(data) if gz else data)
    valid = high == 0 and dtype is not None and dims and len(body) == promised
    with time_limit(10):
        if valid:
            a = read_idx(path)
            assert a.shape == tuple(dims) and a.dtype == dtype.newbyteorder("=")
        else:
            with pytest.raises(DatasetCorruptError) as err:
                read_idx(path)
            assert str(path) in str(err.value)


def test_gzip_bomb_is_read_only_as_far_as_the_header_promises(tmp_path):
    """1 GB of zeros behind a header promising 10 labels: refused as trailing data after
    reading 11 bytes, under a 1 GB memory limit and a CPU-time limit."""
    path = tmp_path / "bomb-labels-idx1-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(struct.pack(">II", 0x801, 10))
        zeros = bytes(2 ** 24)
        for _ in range(64):
            f.write(zeros)
    r = run_limited(f"""
        from teachflow.datasets import read_idx, DatasetCorruptError
        try:
            read_idx({str(path)!r})
        except DatasetCorruptError as e:
            print("refused:", e)
        """, memory_mb=1024, cpu_seconds=20, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "refused:" in r.stdout and "trailing bytes" in r.stdout


def test_idx_header_promising_terabytes_is_refused_unread(tmp_path):
    path = tmp_path / "huge-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">IIII", 0x803, 2 ** 31, 2 ** 20, 28)))
    with pytest.raises(DatasetCorruptError, match="more than the .* bytes teachflow reads"):
        read_idx(path, _files.IMAGES_MAGIC)


def test_broken_gzip_is_named(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    whole = gzip.compress(struct.pack(">II", 0x801, 1000) + bytes(1000))
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DatasetCorruptError, match="not a complete gzip file"):
        read_idx(path)


# --------------------------------------------------------------------------- mnist.npz
def npz_bytes(arrays=None, raw=None):
    buf = io.BytesIO()
    if raw is not None:
        with zipfile.ZipFile(buf, "w") as z:
            for k, v in raw.items():
                z.writestr(k, v)
    else:
        np.savez(buf, **arrays)
    return buf.getvalue()


def good_arrays(n=6):
    return {"x_train": np.zeros((n, 28, 28), np.uint8), "y_train": np.arange(n) % 10,
            "x_test": np.zeros((2, 28, 28), np.uint8), "y_test": np.array([1, 2])}


def header(shape, descr="|u1"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_a_good_npz_still_loads(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(npz_bytes(good_arrays()))
    (x, y), (xt, yt) = _read_npz(path)
    assert x.shape == (6, 28, 28) and y.dtype == np.uint8 and list(yt) == [1, 2]


@pytest.mark.parametrize("case,culprit", [
    ("truncated", "not a readable .npz"),
    ("missing", "arrays ['y_test'] missing"),
    ("bomb", "x_train claims uint8 of shape [1000000000, 28, 28]"),
    ("short member", "x_train is truncated"),
    ("object", "pickle"),
    ("wrong shape", "x_train is uint8 (6, 27, 28), expected uint8 (N, 28, 28)"),
    ("float labels", "y_train is float64"),
    ("label 10", "label 10 found"),
    ("not npy", "holds 'readme.txt'"),
])
def test_bad_mnist_npz_is_named(tmp_path, case, culprit):
    path = tmp_path / "mnist.npz"
    arrays = good_arrays()
    if case == "truncated":
        data = npz_bytes(arrays)[:300]
    elif case == "missing":
        del arrays["y_test"]
        data = npz_bytes(arrays)
    elif case == "bomb":
        data = npz_bytes(raw={"x_train.npy": header((10 ** 9, 28, 28)) + b"\0" * 100,
                              "y_train.npy": header((1,)), "x_test.npy": header((1,)),
                              "y_test.npy": header((1,))})
    elif case == "short member":
        data = npz_bytes(raw={"x_train.npy": header((6, 28, 28)) + b"\0" * 100,
                              "y_train.npy": header((1,)), "x_test.npy": header((1,)),
                              "y_test.npy": header((1,))})
    elif case == "object":
        data = npz_bytes(raw={k + ".npy": header((1,), "|O") + b"\0" * 8 for k in arrays})
    elif case == "wrong shape":
        arrays["x_train"] = np.zeros((6, 27, 28), np.uint8)
        data = npz_bytes(arrays)
    elif case == "float labels":
        arrays["y_train"] = np.zeros(6)
        data = npz_bytes(arrays)
    elif case == "label 10":
        arrays["y_test"] = np.array([1, 10])
        data = npz_bytes(arrays)
    else:
        data = npz_bytes(raw={"readme.txt": b"hello"})
    path.write_bytes(data)
    with pytest.raises(DatasetCorruptError) as err:
        _read_npz(path)
    assert str(path) in str(err.value) and culprit in str(err.value)


# --------------------------------------------------------------------------- run logs
@pytest.fixture(scope="module")
def run_result():
    return dist.simulate("async", workers=3, updates=20, seed=1)


@pytest.fixture
def files(tmp_path, run_result):
    return {"events": Path(run_result.to_csv(tmp_path / "events.csv")),
            "history": Path(run_result.history_to_csv(tmp_path / "history.csv")),
            "trace": Path(run_result.to_chrome_trace(tmp_path / "trace.json"))}


READERS = {"events": dist.read_events_csv, "history": dist.read_history_csv,
           "trace": dist.read_chrome_trace}


@pytest.mark.parametrize("kind", list(READERS))
def test_logs_round_trip(files, run_result, kind):
    back = READERS[kind](files[kind])
    assert len(back) == (len(run_result.history) if kind == "history" else len(run_result.events))


@pytest.mark.parametrize("kind", list(READERS))
@pytest.mark.parametrize("damage,culprit", [
    (lambda b: b[: len(b) * 2 // 3], r"line \d+|not valid JSON|traceEvents"),
    (lambda b: b"\x00\x01\x02" + b, "binary data"),
    (lambda b: b"\xff\xfe" + b[2:], "not UTF-8"),
    (lambda b: b"", "empty|not valid JSON"),
    (lambda b: b"just,some,words\n1,2,3\n", "header|not valid JSON"),
])
def test_damaged_logs_are_named(files, kind, damage, culprit):
    path = files[kind]
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(dist.LogFileError, match=culprit) as err:
        READERS[kind](path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("column,value,culprit", [
    ("start", "soon", "column 'start' is 'soon'"),
    ("end", "inf", "column 'end' is 'inf'"),
    ("dropped", "maybe", "column 'dropped'"),
    ("version_read", "1.5", "column 'version_read'"),
    ("worker", "", "column 'worker'"),
])
def test_bad_event_fields_name_line_and_column(files, column, value, culprit):
    path = files["events"]
    lines = path.read_text().splitlines()
    head = lines[0].split(",")
    row = lines[2].split(",")
    row[head.index(column)] = value
    lines[2] = ",".join(row)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(dist.LogFileError, match="line 3") as err:
        dist.read_events_csv(path)
    assert culprit in str(err.value)


@pytest.mark.parametrize("change,culprit", [
    (lambda e: e.update(ts="0"), "'ts'"),
    (lambda e: e.update(dur=-1), "'dur'"),
    (lambda e: e["args"].update(dropped="no"), "args.dropped"),
    (lambda e: e["args"].update(worker=None), "args.worker"),
    (lambda e: e.pop("args"), "'args'"),
])
def test_bad_trace_events_are_named(files, change, culprit):
    path = files["trace"]
    data = json.loads(path.read_text())
    i = next(i for i, e in enumerate(data["traceEvents"]) if e.get("ph") == "X")
    change(data["traceEvents"][i])
    path.write_text(json.dumps(data))
    with pytest.raises(dist.LogFileError, match=rf"traceEvents\[{i}\]") as err:
        dist.read_chrome_trace(path)
    assert culprit in str(err.value)


@SETTINGS
@given(text=st.text(max_size=200))
def test_random_text_as_event_log(tmp_path, text):
    path = tmp_path / "random.csv"
    path.write_text(text, encoding="utf-8")
    for reader in (dist.read_events_csv, dist.read_history_csv, dist.read_chrome_trace):
        try:
            reader(path)
        except dist.LogFileError as e:
            assert str(path) in str(e)
