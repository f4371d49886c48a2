"""Shared helpers.  The suite runs inside a venv that has the built wheel
installed (see noxfile.py); nothing here puts the source tree on sys.path."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest


def _restore_ctrl_c():
    """Give this process, and so its children, Python's usual SIGINT handling.

    A suite started with SIGINT ignored (``nox &`` from a script, some CI
    runners) inherits SIG_IGN, and the interpreter then leaves it in place:
    the tests that check Runner's Ctrl-C handling in this process would see
    no default handler, and every child a test sends a real SIGINT would
    ignore it.  An installed handler, unlike SIG_IGN, is reset to the default
    by exec, so each child interpreter starts as if run from a terminal.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


_restore_ctrl_c()

# True where the package is expected to patch asyncio by default.
PATCHED = sys.version_info < (3, 11)
WHEEL = os.environ.get("TASKGROUP_PATCH_WHEEL")
SRC = os.environ.get("TASKGROUP_PATCH_SRC")


def clean_env(**changes):
    """The current environment without TASKGROUP_PATCH/PYTHON* noise, plus *changes*."""
    env = {k: v for k, v in os.environ.items()
           if k != "TASKGROUP_PATCH" and not k.startswith("PYTHON")}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(*args, code=None, env=None, cwd=None, python=None, timeout=60, input=None):
    """Run an interpreter (this venv's by default) in a subprocess."""
    cmd = [python or sys.executable, *args]
    if code is not None:
        cmd += ["-c", textwrap.dedent(code)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env or clean_env(),
                          cwd=cwd, timeout=timeout, input=input)


def base_python():
    """The interpreter this venv was made from."""
    name = "python%d.%d" % sys.version_info[:2]
    return os.path.join(sys.base_prefix, "bin", name)


@pytest.fixture
def fresh_venv(tmp_path):
    """Make a new empty venv; return its python."""
    def make(name="venv"):
        path = tmp_path / name
        subprocess.run([base_python(), "-m", "venv", str(path)], check=True,
                       capture_output=True, timeout=300)
        return str(path / "bin" / "python")
    return make


def require_build_inputs():
    if not (WHEEL and SRC):
        pytest.fail("TASKGROUP_PATCH_WHEEL/TASKGROUP_PATCH_SRC are not set: run the suite via nox")
