"""``python -m teachflow``: get the course, and check the machine.

    python -m teachflow lessons [DIR] [--force] [--no-open]
        copy the course (notebooks with their stored outputs) into DIR (default:
        ./teachflow-lessons), keeping any lesson you have changed unless you agree or pass
        --force, then open JupyterLab there on the start page, which lists the lessons in
        English and in Chinese (or say how to open it).
    python -m teachflow doctor
        what this machine has (dot or the in-browser renderer, JupyterLab, ipywidgets, MNIST
        files, fonts), with the fix for anything missing.
"""
import argparse
import importlib.util
import os
import subprocess
import sys

DEFAULT_DIR = "teachflow-lessons"


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m teachflow",
        description="teachflow: see what a define-then-run deep-learning framework does.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    lessons = sub.add_parser(
        "lessons", help="copy the course into DIR and open it in JupyterLab",
        description="Copy teachflow's course (the lesson notebooks with their stored outputs) into DIR, "
                    "then open JupyterLab there. Lessons you have changed are never overwritten "
                    "unless you say yes when asked, or pass --force.")
    lessons.add_argument("dir", nargs="?", default=DEFAULT_DIR, metavar="DIR",
                         help=f"the folder for the course (default: ./{DEFAULT_DIR})")
    lessons.add_argument("--force", action="store_true",
                         help="replace lessons you have changed with the course's version (your changes are lost)")
    lessons.add_argument("--no-open", action="store_true", help="only copy: do not start JupyterLab")
    sub.add_parser("doctor", help="check what this machine has for the course, and say how to fix what is missing",
                   description="Report Graphviz's dot or the in-browser renderer, JupyterLab and ipywidgets "
                               "versions, MNIST files and fonts, each with the fix for anything missing.")
    return parser


def _ask(rel):
    """Ask on the terminal whether to replace an edited lesson (never when not interactive)."""
    try:
        answer = input(f"{rel} has been changed since it was copied. Replace it with the course's "
                       "version (your changes are lost)? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def lessons(dest, force=False, open_lab=True):
    from .course import START_PAGE, copy_course
    interactive = sys.stdin is not None and sys.stdin.isatty()
    copy_course(dest, force=force, ask=_ask if interactive else None)
    how = f"jupyter lab {_quote(dest)}"
    if importlib.util.find_spec("jupyterlab") is None:
        print(f"JupyterLab is not installed: pip install jupyterlab   (or: pip install \"teachflow[lessons]\"),\n"
              f"then open the course with:   {how}")
        return 0
    if not open_lab:
        print(f"Open the course with:   {how}")
        return 0
    print(f"Opening JupyterLab in {dest} (Ctrl+C in this window stops it) ...", flush=True)
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={os.path.abspath(dest)}"]
    start = os.path.join(os.path.abspath(dest), START_PAGE)
    if os.path.isfile(start):
        cmd.append(start)            # opened first: the lessons in both editions
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def _quote(path):
    path = str(path)
    return f'"{path}"' if any(c.isspace() for c in path) else path


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "lessons":
        return lessons(args.dir, force=args.force, open_lab=not args.no_open)
    if args.command == "doctor":
        from .doctor import run
        return run()
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
