"""Files written so that a crash never leaves half of one: a complete, flushed temporary file
beside the target, then a rename (``atomic_write``); several files at once either all replaced
or none (``write_files``). Checkpoints, event logs, traces and exported animations use these."""
import os
import tempfile


def _temp_path(final, prefix):
    folder = os.path.dirname(os.path.abspath(final))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix="-" + os.path.basename(final))
    os.close(fd)
    return tmp


def _write_temp(final, data):
    """``data`` written and flushed to disk in a temporary file beside ``final``; returns its path."""
    folder = os.path.dirname(os.path.abspath(final))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix="-" + os.path.basename(final))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # an ordinary file, not mkstemp's private 0600
    except BaseException:
        remove_quietly(tmp)
        raise
    return tmp


def remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _commit(pairs):
    """Rename each ``(temporary, final)``; if any rename fails, put every file back as it was."""
    done = []  # (final, backup of the file it replaced, or None)
    try:
        for tmp, final in pairs:
            backup = None
            if os.path.exists(final):
                backup = _temp_path(final, ".old-")
                try:
                    os.replace(final, backup)
                except BaseException:
                    remove_quietly(backup)
                    raise
            done.append((final, backup))
            os.replace(tmp, final)
    except BaseException:
        for final, backup in reversed(done):
            try:
                if backup is not None:
                    os.replace(backup, final)
                else:
                    os.unlink(final)
            except OSError:
                pass
        for tmp, _ in pairs:
            remove_quietly(tmp)
        raise
    for _, backup in done:
        if backup is not None:
            remove_quietly(backup)


def atomic_write(path, data):
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` via a temporary file in the same
    folder and a rename: readers never see a half-written file. Returns ``path``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    _commit([(_write_temp(path, data), path)])
    return path


def write_files(contents):
    """Write several files (``{path: bytes}``) so that either all are replaced or none is:
    every temporary file is complete before the first rename, and a failed rename is undone."""
    pairs = []
    try:
        for path, data in contents.items():
            pairs.append((_write_temp(path, data), path))
    except BaseException:
        for tmp, _ in pairs:
            remove_quietly(tmp)
        raise
    _commit(pairs)
