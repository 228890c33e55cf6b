"""``python -m teachflow doctor``: each finding with the fix for what is missing."""
from teachflow import doctor
from teachflow.viz import render


def report():
    lines = []
    code = doctor.run(say=lines.append)
    return code, "\n".join(lines)


def test_this_machine():
    code, text = report()
    for name in ("graphs", "JupyterLab", "ipywidgets", "MNIST", "fonts", "speed"):
        assert f" {name} " in text or f"{name:<11}" in text, (name, text)
    if render.dot_available():
        assert "Graphviz dot at" in text
    assert code == 0, text


def test_without_dot_the_browser_renderer_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    check = doctor.check_graphs()
    assert check.ok is True and "the notebook page lays graphs out" in check.found
    assert "MB script" in check.found and "apt install graphviz" in check.fix


def test_nothing_to_draw_with_is_a_fix(monkeypatch, tmp_path):
    from teachflow.viz import browser
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(browser, "browser_available", lambda: False)
    monkeypatch.setattr(browser, "unavailable_reason", lambda: "the anywidget package is missing")
    check = doctor.check_graphs()
    assert check.ok is False and "pip install anywidget" in check.fix


def test_missing_jupyterlab_and_old_ipywidgets(monkeypatch):
    real = doctor.version
    fake = {"jupyterlab": None, "ipywidgets": "7.8.1"}
    monkeypatch.setattr(doctor, "version", lambda d: fake[d] if d in fake else real(d))
    code, text = report()
    assert code == 1
    assert "FIX JupyterLab  not installed" in text and 'pip install "teachflow[lessons]"' in text
    assert "7.8.1 (teachflow's widgets need 8 or later)" in text and 'pip install -U "ipywidgets>=8"' in text
    assert "To fix: JupyterLab, ipywidgets" in text


def test_mnist_files_found(monkeypatch, tmp_path):
    monkeypatch.setenv("TEACHFLOW_DATA", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / "mnist" / name).write_bytes(b"")
    check = doctor.check_mnist()
    assert f"MNIST in {tmp_path / 'mnist'}" in check.found


def test_speed_names_the_blas_kernel_and_the_threads():
    check = doctor.check_speed()
    assert check.ok is True and " kernel" in check.found and "big kernels on" in check.found


def test_avx2_kernels_on_an_avx512_cpu_are_explained(monkeypatch):
    import threadpoolctl
    monkeypatch.setattr(doctor, "_cpu_flags", lambda: {"avx2", "avx512f"})
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: [
        {"user_api": "blas", "internal_api": "openblas", "version": "0.3.31", "architecture": "Haswell"}])
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    check = doctor.check_speed()
    assert "openblas 0.3.31 Haswell kernel" in check.found
    assert "OPENBLAS_CORETYPE=Haswell" in check.fix and check.ok is True
    monkeypatch.setattr(doctor, "_cpu_flags", lambda: {"avx2"})  # no AVX-512: nothing to explain
    assert doctor.check_speed().fix == ""
