"""What contextlib gained in 3.10 and 3.11: aclosing, AsyncContextDecorator,
`async with nullcontext()`, @asynccontextmanager managers as decorators, chdir."""

import asyncio
import contextlib
import os
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import PATCHED, clean_env, run_python


def test_aclosing_closes_on_exit_however_the_block_ends():
    closed = []

    class Resource:
        async def aclose(self):
            closed.append(True)

    async def main():
        resource = Resource()
        async with contextlib.aclosing(resource) as entered:
            assert entered is resource
        with pytest.raises(KeyError):
            async with contextlib.aclosing(Resource()):
                raise KeyError

    asyncio.run(main())
    assert closed == [True, True]


def test_aclosing_finalizes_an_async_generator_early():
    steps = []

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            steps.append("finally")

    async def main():
        async with contextlib.aclosing(agen()) as items:
            async for item in items:
                steps.append(item)
                break
        steps.append("after")

    asyncio.run(main())
    assert steps == [1, "finally", "after"]


def test_async_context_decorator():
    log = []

    class Logged(contextlib.AbstractAsyncContextManager, contextlib.AsyncContextDecorator):
        async def __aenter__(self):
            log.append("enter")

        async def __aexit__(self, *exc_info):
            log.append("exit")

    @Logged()
    async def work(value):
        log.append(value)
        return value * 2

    assert asyncio.run(work(21)) == 42
    assert log == ["enter", 21, "exit"]
    assert work.__name__ == "work"


def test_asynccontextmanager_makes_decorators_one_manager_per_call():
    depth = []

    @contextlib.asynccontextmanager
    async def tracked():
        depth.append(len(depth))
        yield
        depth.pop()

    @tracked()
    async def recurse(n):
        if n:
            return await recurse(n - 1)
        return len(depth)

    assert asyncio.run(recurse(3)) == 4
    assert depth == []


def test_async_nullcontext():
    async def main():
        async with contextlib.nullcontext("value") as entered:
            assert entered == "value"
        async with contextlib.nullcontext() as entered:
            assert entered is None
        with pytest.raises(KeyError):  # it suppresses nothing
            async with contextlib.nullcontext():
                raise KeyError

    asyncio.run(main())
    with contextlib.nullcontext(1) as entered:
        assert entered == 1


def test_chdir(tmp_path):
    before = os.getcwd()
    with contextlib.chdir(tmp_path):
        assert os.getcwd() == str(tmp_path)
        with contextlib.chdir(before):
            assert os.getcwd() == before
        assert os.getcwd() == str(tmp_path)
    assert os.getcwd() == before
    with pytest.raises(FileNotFoundError):
        with contextlib.chdir(tmp_path / "missing"):
            pass
    assert os.getcwd() == before


def test_the_names_are_contextlibs():
    for name in ("aclosing", "AsyncContextDecorator", "chdir"):
        assert getattr(contextlib, name).__module__ == "contextlib"
        assert getattr(contextlib, name) is getattr(contextlib, name)
    assert contextlib.aclosing.__doc__ == contextlib.aclosing(None).__doc__


@pytest.mark.skipif(not PATCHED, reason="the package is inactive by default on 3.11+")
def test_contextlib_costs_nothing_until_a_gained_name_is_looked_up():
    # Nearly every program imports contextlib: only a program that uses what
    # it gained loads the package's part; a probe of another name does not.
    result = run_python(code="""
        import sys, contextlib, inspect
        print(hasattr(contextlib, "no_such_thing"), hasattr(inspect, "get_annotations"),
              "taskgroup_patch" in sys.modules)
        from contextlib import chdir
        print("taskgroup_patch.backport.contextlib" in sys.modules)
    """)
    assert (result.stdout, result.stderr) == ("False %s False\nTrue\n"
                                              % (sys.version_info >= (3, 10)), "")


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="3.10 has it natively")
def test_on_38_and_39_the_async_support_comes_with_asyncio():
    import taskgroup_patch

    result = run_python(code="""
        import contextlib
        before = hasattr(contextlib.nullcontext, "__aenter__")
        import asyncio
        print(before, hasattr(contextlib.nullcontext, "__aenter__"),
              hasattr(contextlib._AsyncGeneratorContextManager, "__call__"))
    """)
    assert (result.stdout, result.stderr) == ("False True True\n", "")
    assert "contextlib.nullcontext.__aenter__" in taskgroup_patch.installed()


@pytest.mark.skipif(not PATCHED, reason="the package is inactive by default on 3.11+")
def test_switched_off_contextlib_is_the_interpreters():
    result = run_python(code="""
        import contextlib
        print(hasattr(contextlib, "chdir"), "__getattr__" in vars(contextlib))
    """, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("False False\n", "")


@pytest.mark.skipif(not PATCHED, reason="the package is inactive by default on 3.11+")
def test_the_start_up_module_knows_every_gained_name():
    # It answers other names itself, without importing the package.
    import importlib

    import _taskgroup_patch_startup as startup
    from taskgroup_patch import _patch

    for module_name, names in startup.ONLY.items():
        backport = importlib.import_module(_patch.GAINED_FROM[module_name])
        assert set(backport.GAINED) <= set(names)
        module = importlib.import_module(module_name)
        for name in names:
            assert name in backport.GAINED or name in vars(module), (module_name, name)
