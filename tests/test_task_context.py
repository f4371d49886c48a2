"""A task given context= (every asyncio.run() main task, Runner.run(),
create_task(context=)) runs in that very context, and nothing but asyncio's
own frames shows in its tracebacks, stacks and pdb's `where`."""

import asyncio
import contextvars
import io
import re
import sys
import traceback

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import run_python

var = contextvars.ContextVar("var", default="unset")


def package_frames(frames):
    """The file names of the frames that belong to taskgroup_patch."""
    return [frame.filename for frame in frames if "taskgroup_patch" in frame.filename]


async def fails():
    await asyncio.sleep(0)
    raise ZeroDivisionError


@pytest.mark.parametrize("how", ["asyncio.create_task", "loop.create_task",
                                 "TaskGroup.create_task", "Task"])
def test_the_task_runs_in_the_given_context_itself(how):
    async def child():
        var.set("first step")
        await asyncio.sleep(0)
        assert var.get() == "first step"
        var.set("second step")
        return asyncio.current_task()

    async def main():
        ctx = contextvars.copy_context()
        coro = child()
        if how == "asyncio.create_task":
            task = asyncio.create_task(coro, context=ctx)
        elif how == "loop.create_task":
            task = asyncio.get_running_loop().create_task(coro, context=ctx)
        elif how == "Task":
            task = asyncio.Task(coro, context=ctx)
        else:
            async with asyncio.TaskGroup() as tg:
                task = tg.create_task(coro, context=ctx)
        assert await task is task
        assert ctx[var] == "second step"
        assert var.get() == "unset"
        assert task.get_coro() is coro
        if sys.version_info[:2] != (3, 11):  # Task.get_context() is new in 3.12
            assert task.get_context() is ctx

    asyncio.run(main())


def test_a_traceback_from_a_task_with_a_context_has_no_package_frame():
    async def main():
        task = asyncio.create_task(fails(), context=contextvars.copy_context())
        try:
            await task
        except ZeroDivisionError as exc:
            return traceback.extract_tb(exc.__traceback__)

    frames = asyncio.run(main())
    assert [frame.name for frame in frames][-1] == "fails"
    assert package_frames(frames) == []


def test_the_main_task_of_asyncio_run_shows_no_package_frame_in_its_stack():
    async def main():
        await asyncio.sleep(0)
        return traceback.extract_stack()

    stack = asyncio.run(main())
    # Below main(), asyncio's own frames, as natively: the loop's.
    assert [frame.name for frame in stack[-4:]] == ["run_forever", "_run_once", "_run", "main"]


def test_get_stack_and_print_stack_of_a_task_with_a_context():
    async def child(future):
        await future

    async def main():
        future = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(child(future), context=contextvars.copy_context())
        await asyncio.sleep(0)
        out = io.StringIO()
        task.print_stack(file=out)
        stack = task.get_stack()
        future.set_result(None)
        await task
        return stack, out.getvalue()

    stack, printed = asyncio.run(main())
    assert [frame.f_code.co_name for frame in stack] == ["child"]
    assert "taskgroup_patch" not in printed


def test_runner_keeps_its_context_between_runs():
    async def set_it(value):
        var.set(value)

    async def get_it():
        return var.get()

    with asyncio.Runner() as runner:
        runner.run(set_it("kept"))
        assert runner.run(get_it()) == "kept"
    assert var.get() == "unset"


def test_runner_run_with_a_context_runs_in_it():
    async def set_it():
        await asyncio.sleep(0)
        var.set("in ctx")

    ctx = contextvars.copy_context()
    with asyncio.Runner() as runner:
        runner.run(set_it(), context=ctx)
    assert ctx[var] == "in ctx"


def test_pdb_where_shows_no_package_frame():
    code = """
        import asyncio, pdb, sys

        async def inner():
            await asyncio.sleep(0)
            pdb.Pdb(nosigint=True).set_trace()

        asyncio.run(inner())
    """
    result = run_python(code=code, input="where\ncontinue\n")
    assert result.returncode == 0, result.stderr
    # "path(line)function()" lines; below the loop, as natively, only the
    # loop's frames and the coroutine.
    called = [match.group(1) for match in
              re.finditer(r"^[ >]*\S+\(\d+\)(\w+)\(\)(?:->.*)?$", result.stdout, re.MULTILINE)]
    assert called[called.index("run_forever"):] == ["run_forever", "_run_once", "_run", "inner"]


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not for Windows")
def test_on_uvloop_a_context_task_still_runs_in_the_context():
    uvloop = pytest.importorskip("uvloop")

    async def child():
        var.set("uvloop")
        await asyncio.sleep(0)
        var.set("uvloop again")

    async def main():
        ctx = contextvars.copy_context()
        await asyncio.create_task(child(), context=ctx)
        return ctx[var]

    loop = uvloop.new_event_loop()
    try:
        assert loop.run_until_complete(main()) == "uvloop again"
    finally:
        loop.close()
