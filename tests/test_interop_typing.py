"""Type checkers accept 3.11-style code on 3.8-3.10, the two ways README gives.

1. The typed re-exports: ``from taskgroup_patch import TaskGroup, timeout,
   Runner, ...`` type-check against any target version (checked here for
   3.10 and for this interpreter's own), and are real types, not Any.
2. The recipe for plain ``asyncio.TaskGroup``: check against 3.11's stubs
   (``mypy --python-version 3.11``, pyright's ``pythonVersion = "3.11"``)
   while the code runs on this interpreter.

mypy and pyright come from PyPI (tests/requirements.txt); the ``pyright``
package runs the pyright it ships with the ``node`` found on PATH.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import clean_env, run_python

PATCHED = sys.version_info < (3, 11)
OWN = "%d.%d" % sys.version_info[:2]

REEXPORTS = '''\
import asyncio
import sys
from typing import List, Optional

from taskgroup_patch import (
    Barrier, BrokenBarrierError, Runner, TaskGroup, Timeout, run, timeout, timeout_at,
)

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup


async def double(n: int) -> int:
    await asyncio.sleep(0)
    if n < 0:
        raise ValueError(n)
    return 2 * n


async def main() -> List[int]:
    async with TaskGroup() as group:
        tasks = [group.create_task(double(n)) for n in range(3)]
    try:
        async with TaskGroup() as group:
            group.create_task(double(-1))
    except ExceptionGroup as errors:
        assert isinstance(errors.exceptions[0], ValueError)
    deadline: Timeout
    async with timeout(1.5) as deadline:
        when: Optional[float] = deadline.when()
        if when is not None:
            deadline.reschedule(when + 1)
        await asyncio.sleep(0)
    try:
        async with timeout_at(asyncio.get_running_loop().time()):
            await asyncio.sleep(1)
    except TimeoutError:
        pass
    barrier = Barrier(1)
    try:
        index: int = await barrier.wait()
    except BrokenBarrierError:
        index = -1
    return [t.result() for t in tasks] + [index]


def entry() -> int:
    with Runner(debug=False) as runner:
        first = runner.run(main())
    return sum(first) + sum(run(main()))


if __name__ == "__main__":
    print(entry())
'''

# Misuses the checkers must catch: the re-exports are not Any.
WRONG = '''\
from taskgroup_patch import Runner, TaskGroup, timeout


async def name() -> str:
    return "x"


async def main() -> None:
    async with TaskGroup() as group:
        task = group.create_task(name())
    number: int = task.result()
    async with timeout("soon"):
        pass


Runner().run(main)
'''

PLAIN = '''\
import asyncio


async def double(n: int) -> int:
    await asyncio.sleep(0)
    return 2 * n


async def main() -> int:
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(double(n)) for n in range(3)]
    try:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(1)
    except TimeoutError:
        pass
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(asyncio.sleep(0))
            raise KeyError("body")
    except ExceptionGroup as errors:
        assert isinstance(errors.exceptions[0], KeyError)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    return sum(t.result() for t in tasks)


with asyncio.Runner() as runner:
    print(runner.run(main()))
'''


# The recipe for a 3.10 target: 3.11+ installs need not have the package.
GUARDED = '''\
import asyncio
import sys

if sys.version_info >= (3, 11):
    from asyncio import TaskGroup, timeout
else:
    from exceptiongroup import ExceptionGroup
    from taskgroup_patch import TaskGroup, timeout


async def child(n: int) -> int:
    await asyncio.sleep(0)
    if n < 0:
        raise ValueError(n)
    return n


async def main() -> int:
    try:
        async with TaskGroup() as group:
            group.create_task(child(-1))
    except ExceptionGroup as errors:
        assert isinstance(errors.exceptions[0], ValueError)
    async with timeout(1):
        async with TaskGroup() as group:
            task = group.create_task(child(3))
    return task.result()


print(asyncio.run(main()))
'''


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("typing")
    for name, source in [("reexports.py", REEXPORTS), ("wrong.py", WRONG),
                         ("plain.py", PLAIN), ("guarded.py", GUARDED)]:
        (path / name).write_text(source)
    return path


def mypy(workdir, target, *files):
    args = ["-m", "mypy", "--strict", "--no-color-output", "--python-executable",
            sys.executable, "--cache-dir", str(workdir / ".mypy_cache")]
    if target is not None:
        args += ["--python-version", target]
    return run_python(*args, *files, cwd=str(workdir), timeout=180)


def mypy_errors(result):
    return [line for line in result.stdout.splitlines() if ": error:" in line]


TARGETS = [pytest.param("3.10", id="target-3.10"),
           pytest.param(None, id="target-own-%s" % OWN)]


@pytest.mark.parametrize("target", TARGETS)
def test_mypy_accepts_the_reexports(workdir, target):
    result = mypy(workdir, target, "reexports.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")


def test_mypy_types_the_reexports_precisely(workdir):
    result = mypy(workdir, "3.10", "wrong.py")
    assert result.returncode == 1
    errors = mypy_errors(result)
    assert [e.split(":")[1] for e in errors] == ["11", "12", "16"], result.stdout
    assert 'Incompatible types in assignment (expression has type "str", variable has ' \
        'type "int")' in errors[0]
    assert 'Argument 1 to "timeout" has incompatible type "str"' in errors[1]
    assert 'Argument 1 to "run" of "Runner" has incompatible type' in errors[2]


def test_reexports_run(workdir):
    result = run_python(str(workdir / "reexports.py"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "12\n"  # (0 + 2 + 4 + 0) twice


def test_mypy_recipe_for_plain_asyncio_names(workdir):
    # README: check against 3.11's stubs; the same file runs here.
    result = mypy(workdir, "3.11", "plain.py")
    assert result.returncode == 0, result.stdout + result.stderr
    ran = run_python(str(workdir / "plain.py"))
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "6\n", "")
    # Why the recipe is needed: 3.10's stubs have none of these names.
    result = mypy(workdir, "3.10", "plain.py")
    missing = {line.split(": error: ", 1)[1] for line in mypy_errors(result)}
    assert missing == {
        'Module has no attribute "TaskGroup"  [attr-defined]',
        'Module has no attribute "timeout"  [attr-defined]',
        'Module has no attribute "Runner"  [attr-defined]',
        'Name "ExceptionGroup" is not defined  [name-defined]',
        '"Task[Any]" has no attribute "cancelling"  [attr-defined]',
    }, result.stdout


@pytest.mark.parametrize("target", ["3.10", "3.11"])
def test_mypy_accepts_the_version_guarded_import(workdir, target):
    result = mypy(workdir, target, "guarded.py")
    assert result.returncode == 0, result.stdout + result.stderr
    ran = run_python(str(workdir / "guarded.py"))
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "3\n", "")


# --- pyright ----------------------------------------------------------------

needs_node = pytest.mark.skipif(
    shutil.which("node") is None,
    reason="no node on PATH: the pyright package would download one, and only the "
           "package registries are reachable here")


def pyright(workdir, target, *files):
    env = clean_env(PYRIGHT_PYTHON_IGNORE_WARNINGS="1",
                    PYRIGHT_PYTHON_CACHE_DIR=str(workdir / ".pyright"))
    args = [os.path.join(os.path.dirname(sys.executable), "pyright"), "--outputjson",
            "--pythonpath", sys.executable]
    if target is not None:
        args += ["--pythonversion", target]
    result = subprocess.run(args + list(files), capture_output=True, text=True, env=env,
                            cwd=str(workdir), timeout=180)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        pytest.fail("pyright printed no report:\n" + result.stdout + result.stderr)
    return [(d["range"]["start"]["line"] + 1, d["message"])
            for d in report["generalDiagnostics"] if d["severity"] == "error"]


@needs_node
@pytest.mark.parametrize("target", TARGETS)
def test_pyright_accepts_the_reexports(workdir, target):
    assert pyright(workdir, target, "reexports.py") == []


@needs_node
def test_pyright_types_the_reexports_precisely(workdir):
    errors = pyright(workdir, "3.10", "wrong.py")
    assert [line for line, _ in errors] == [11, 12, 16], errors


@needs_node
def test_pyright_recipe_for_plain_asyncio_names(workdir, tmp_path):
    # README: pythonVersion = "3.11" in the project's pyright configuration.
    (tmp_path / "plain.py").write_text(PLAIN)
    (tmp_path / "pyproject.toml").write_text('[tool.pyright]\npythonVersion = "3.11"\n')
    assert pyright(tmp_path, None, "plain.py") == []
    assert len(pyright(tmp_path, "3.10", "plain.py")) >= 3


@needs_node
@pytest.mark.parametrize("target", ["3.10", "3.11"])
def test_pyright_accepts_the_version_guarded_import(workdir, target):
    assert pyright(workdir, target, "guarded.py") == []
