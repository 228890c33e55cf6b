"""The threading policy (core/threads.py): BLAS on one thread unless the user chose, the
intra-op setting from ConfigProto / tf.config / the environment, and the pool that runs pieces."""
import threading

import pytest

import teachflow as tf
from teachflow.core import threads


class FakeBlas:
    """Stands in for a threadpoolctl library controller."""

    def __init__(self, n):
        self.n = n

    def get_num_threads(self):
        return self.n

    def set_num_threads(self, n):
        self.n = n


@pytest.fixture
def fresh_policy(monkeypatch):
    """threads' module state as in a new process, with a fake 4-thread BLAS."""
    blas = FakeBlas(4)
    monkeypatch.setattr(threads, "_blas", [blas])
    monkeypatch.setattr(threads, "_blas_initial", [4])
    monkeypatch.setattr(threads, "_blas_set", None)
    monkeypatch.setattr(threads, "_intra_op", 0)
    monkeypatch.setattr(threads, "cores", lambda: 4)
    for name in threads.ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return blas


def test_blas_goes_to_one_thread_once(fresh_policy):
    threads.apply_blas_policy()
    assert fresh_policy.n == 1
    fresh_policy.n = 3  # the user changes it afterwards (e.g. threadpool_limits): kept
    threads.apply_blas_policy()
    assert fresh_policy.n == 3
    assert "set by teachflow" in threads.describe()


@pytest.mark.parametrize("var", threads.ENV_VARS)
def test_an_explicit_environment_setting_is_respected(fresh_policy, monkeypatch, var):
    monkeypatch.setenv(var, "2")
    threads.apply_blas_policy()
    assert fresh_policy.n == 4  # BLAS untouched
    assert threads.intra_op_threads() == 2  # and the same number for teachflow's kernels
    assert "environment" in threads.describe()


def test_an_outer_limit_before_the_first_session_is_respected(fresh_policy):
    fresh_policy.n = 2  # threadpool_limits(2) around the program
    tf.Session().close()
    assert fresh_policy.n == 2


def test_intra_op_threads_from_config_then_process_then_cores(fresh_policy):
    assert threads.intra_op_threads() == 4
    tf.config.threading.set_intra_op_parallelism_threads(3)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 3
    assert threads.intra_op_threads() == 3
    assert threads.intra_op_threads(tf.ConfigProto(intra_op_parallelism_threads=2)) == 2
    assert threads.intra_op_threads(tf.ConfigProto(intra_op_parallelism_threads=0)) == 3
    with pytest.raises(ValueError, match="intra_op_parallelism_threads must be an int >= 0"):
        tf.config.threading.set_intra_op_parallelism_threads(-1)


def test_one_level_of_parallelism_only(fresh_policy):
    """While BLAS runs several threads itself, teachflow's pool runs one."""
    sess = tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2))
    assert fresh_policy.n == 1 and threads.pool_for(sess).threads == 2
    fresh_policy.n = 2
    assert threads.pool_for(sess).threads == 1


def test_the_pool_runs_every_piece_once_on_several_threads():
    pool = threads._Pool(3)
    seen, names = [], set()
    lock = threading.Lock()

    def piece(i):
        with lock:
            seen.append(i)
            names.add(threading.current_thread().name)
    pool.run(piece, 50)
    assert sorted(seen) == list(range(50))
    pool.run(piece, 1)
    assert len(seen) == 51


def test_the_pool_passes_an_error_on():
    def piece(i):
        if i == 7:
            raise ArithmeticError("piece 7")
    with pytest.raises(ArithmeticError, match="piece 7"):
        threads._Pool(2).run(piece, 20)


def test_a_session_run_does_not_touch_blas(fresh_policy, monkeypatch):
    """Nothing per sess.run: the setting is made when the session is created."""
    sess = tf.Session()
    calls = []
    monkeypatch.setattr(fresh_policy, "set_num_threads", lambda n: calls.append(n))
    monkeypatch.setattr(fresh_policy, "get_num_threads", lambda: calls.append("get") or 1)
    a = tf.constant(2.0) * 3
    for _ in range(3):
        sess.run(a)
    assert calls == []


def _within(seconds, fn):
    """``fn()``'s result, or a failure when it has not returned after ``seconds`` (a deadlock)."""
    out = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds} s: deadlocked?"
    return out[0]


def test_together_runs_its_calls_at_the_same_time_and_gives_results_in_order():
    pool = threads._Pool(2)
    meet = threading.Barrier(2, timeout=10)  # passes only when both calls run at once

    def call(v):
        return lambda: (meet.wait(), v)[1]
    assert _within(20, lambda: pool.together([call("a"), call("b")])) == ["a", "b"]


def test_together_on_one_thread_runs_in_order_on_the_caller():
    seen = []
    me = threading.get_ident()
    out = threads._Pool(1).together([lambda i=i: seen.append((i, threading.get_ident())) or i
                                     for i in range(3)])
    assert out == [0, 1, 2] and seen == [(0, me), (1, me), (2, me)]


def test_together_runs_every_call_and_raises_the_first_error_in_order():
    ran = []

    def call(i):
        def f():
            ran.append(i)
            if i in (1, 2):
                raise LookupError(f"call {i}")
            return i
        return f
    with pytest.raises(LookupError, match="call 1"):
        threads._Pool(3).together([call(i) for i in range(4)])
    assert sorted(ran) == [0, 1, 2, 3]


def test_nested_work_does_not_deadlock():
    """Calls run together that each cut their work into pieces, whose pieces cut theirs again:
    every thread may end up waiting inside a call, and must still get every piece done."""
    pool = threads._Pool(3)
    lock = threading.Lock()
    done = []

    def leaf(i):
        with lock:
            done.append(i)

    def piece(i):
        pool.run(leaf, 5)

    def kernel(k):
        return lambda: pool.run(piece, 6) or k
    for _ in range(20):
        assert _within(20, lambda: pool.together([kernel(k) for k in range(4)])) == [0, 1, 2, 3]
    assert len(done) == 20 * 4 * 6 * 5


def test_the_pool_keeps_working_after_an_error_and_sleeps_when_idle():
    import time
    pool = threads._Pool(3)
    with pytest.raises(ZeroDivisionError):
        pool.run(lambda i: 1 / (i - 5), 12)
    seen = []
    lock = threading.Lock()

    def piece(i):
        with lock:
            seen.append(i)
    pool.run(piece, 30)
    assert sorted(seen) == list(range(30))
    assert len(pool._workers) == 2

    def cpu():  # the CPU time of the pool's own threads
        return sum(time.clock_gettime(time.pthread_getcpuclockid(t.ident)) for t in pool._workers)
    before = cpu()
    time.sleep(0.3)  # the pool's threads wait on a condition: no CPU time while idle
    assert cpu() - before < 0.005  # polling every 0.5 ms would cost about 0.01 s
