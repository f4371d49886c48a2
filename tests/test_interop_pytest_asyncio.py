"""pytest-asyncio runs tests written with plain asyncio.TaskGroup/timeout.

The generated test file below is what a user of pytest-asyncio writes on
3.11+.  It runs with ``python -m pytest`` in a venv of its own that has what
such a user installs: the wheel, pytest and the newest pytest-asyncio for
this interpreter (0.24 on 3.8, 1.x on 3.9+), under an ini file of its own.
pytest-asyncio is kept out of the suite's venv on purpose: installed there,
its plugin would load into this suite too, and on 3.9+ its configure-time
deprecation warning is an INTERNALERROR under filterwarnings=error.
"""

import subprocess
import sys

import pytest

from conftest import WHEEL, base_python, require_build_inputs, run_python

PATCHED = sys.version_info < (3, 11)

PYTEST_INI = """\
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

USER_TESTS = '''\
import asyncio
import contextvars

import pytest
import pytest_asyncio

request_id = contextvars.ContextVar("request_id", default=None)


async def double(n, delay=0.0):
    await asyncio.sleep(delay)
    if n < 0:
        raise ValueError(f"negative: {n}")
    return 2 * n


@pytest_asyncio.fixture
async def table():
    # Setup fans out in a TaskGroup; the fixture's task is ours, counting.
    async with asyncio.TaskGroup() as group:
        tasks = {n: group.create_task(double(n, 0.001)) for n in range(5)}
    yield {n: task.result() for n, task in tasks.items()}


@pytest_asyncio.fixture
async def ticker():
    # A background task that outlives setup; teardown stops it under a deadline.
    ticks = []

    async def tick():
        while True:
            ticks.append(len(ticks))
            await asyncio.sleep(0.001)

    task = asyncio.create_task(tick())
    yield ticks
    task.cancel()
    async with asyncio.timeout(1):
        try:
            await task
        except asyncio.CancelledError:
            pass
    assert task.cancelled()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_queue():
    return asyncio.Queue()


@pytest.mark.asyncio
async def test_taskgroup_results(table):
    assert table == {0: 0, 1: 2, 2: 4, 3: 6, 4: 8}


@pytest.mark.asyncio
async def test_taskgroup_errors_arrive_as_group():
    with pytest.raises(ExceptionGroup) as info:
        async with asyncio.TaskGroup() as group:
            group.create_task(double(-1))
            group.create_task(double(1, 10))  # cancelled by the failure
    errors = info.value.exceptions
    assert [type(e) for e in errors] == [ValueError]
    assert str(errors[0]) == "negative: -1"


@pytest.mark.asyncio
async def test_timeout(ticker):
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.02) as deadline:
            await asyncio.sleep(10)
    assert deadline.expired()
    assert len(ticker) > 1  # the fixture's task ran meanwhile


@pytest.mark.asyncio
async def test_wait_for_timeout_is_builtin_timeout_error():
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.sleep(10), 0.01)


@pytest.mark.asyncio
async def test_task_counts_cancellations():
    task = asyncio.current_task()
    assert task.cancelling() == 0
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.sleep(1)
    assert task.uncancel() == 0


@pytest.mark.asyncio(loop_scope="module")
async def test_module_loop_put(shared_queue):
    async with asyncio.timeout(1):
        await shared_queue.put("hello")


@pytest.mark.asyncio(loop_scope="module")
async def test_module_loop_get(shared_queue):
    async with asyncio.timeout(1):
        assert await shared_queue.get() == "hello"
'''

# pytest-asyncio 1.0+ runs fixtures and tests through asyncio.Runner.run(
# context=...), so a contextvar set by an async fixture is seen by the test.
CONTEXT_TESTS = '''\
import contextvars

import pytest
import pytest_asyncio

var = contextvars.ContextVar("var", default="unset")


@pytest_asyncio.fixture
async def set_var():
    var.set("from fixture")
    yield


@pytest.mark.asyncio
async def test_fixture_context_reaches_test(set_var):
    assert var.get() == "from fixture"
'''


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory):
    """A venv with the wheel, pytest and pytest-asyncio; return its python."""
    require_build_inputs()
    path = tmp_path_factory.mktemp("pytest-asyncio") / "venv"
    subprocess.run([base_python(), "-m", "venv", str(path)], check=True,
                   capture_output=True, timeout=300)
    python = str(path / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         WHEEL, "pytest", "pytest-asyncio"],
        capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def run_pytest(python, tmp_path, source, name="test_user.py"):
    (tmp_path / "pytest.ini").write_text(PYTEST_INI)
    (tmp_path / name).write_text(source)
    return run_python("-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", name,
                      cwd=str(tmp_path), python=python)


def pytest_asyncio_version(python):
    result = run_python(code="import pytest_asyncio; print(pytest_asyncio.__version__)",
                        python=python)
    assert result.returncode == 0, result.stderr
    return tuple(int(p) for p in result.stdout.strip().split(".")[:2])


def test_pytest_asyncio_tests_and_fixtures(user_venv, tmp_path):
    result = run_pytest(user_venv, tmp_path, USER_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    names = ["test_taskgroup_results", "test_taskgroup_errors_arrive_as_group",
             "test_timeout", "test_wait_for_timeout_is_builtin_timeout_error",
             "test_task_counts_cancellations", "test_module_loop_put",
             "test_module_loop_get"]
    for name in names:
        assert "PASSED test_user.py::%s" % name in result.stdout, result.stdout
    assert "7 passed" in result.stdout


def test_pytest_asyncio_fixture_context_reaches_test(user_venv, tmp_path):
    if pytest_asyncio_version(user_venv) < (1, 0):
        pytest.skip("pytest-asyncio < 1.0 (the last for 3.8) does not share fixture context")
    result = run_pytest(user_venv, tmp_path, CONTEXT_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
