"""Shared helpers.  The suite runs inside a venv that has the built wheel
installed (see noxfile.py); nothing here puts the source tree on sys.path."""

import asyncio
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


_CTRL_C_PRELUDE = """\
import signal
# Runner handles SIGINT only where Python's default handler is in place;
# a suite started with SIGINT ignored must not make this test skip it.
signal.signal(signal.SIGINT, signal.default_int_handler)
"""

_CTRL_C_EPILOGUE = """
try:
    with asyncio.Runner() as runner:
        runner.run(main())
except KeyboardInterrupt:
    print("KeyboardInterrupt")
except asyncio.CancelledError:
    print("CancelledError")
"""


def ctrl_c_program(main):
    """A program that runs *main* (source defining ``async def main()``) in an
    asyncio.Runner and prints which exception Ctrl-C ended it with."""
    return _CTRL_C_PRELUDE + textwrap.dedent(main) + _CTRL_C_EPILOGUE


def interrupt_when_ready(code, env=None):
    """Run *code*; send a real SIGINT once it prints its first line.

    Return that line, the rest of stdout, stderr and the exit code.  The
    child is killed if it outlives the test.
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env or clean_env())
    try:
        ready = proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return ready, out, err, proc.returncode


async def fail(message, delay=0.0):
    await asyncio.sleep(delay)
    raise ValueError(message)


async def then_failing_taskgroup():
    """A failing TaskGroup, then an await: is the task still being cancelled?"""
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(fail("child"))
            await asyncio.sleep(10)
    except ExceptionGroup:
        pass
    try:
        await asyncio.sleep(0.001)
    except asyncio.CancelledError:
        return "cancelled again"
    return "went on"


def adaptation_status(code, switch):
    """Run *code* with TASKGROUP_PATCH_ADAPT=*switch*; return the lines it printed.

    *code* prints _adapters.status() last, and must run without errors.
    """
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH_ADAPT=switch))
    assert (result.stderr, result.returncode) == ("", 0)
    return result.stdout.splitlines()


def assert_nothing_adapted(status):
    """On 3.11+ the report is the one line that says there is nothing to do."""
    assert len(status) == 1 and "nothing to adapt on Python 3.11+" in status[0]
