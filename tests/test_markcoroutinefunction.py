"""inspect.markcoroutinefunction() (3.12), which inspect.iscoroutinefunction() honours."""

import asyncio
import functools
import inspect
import sys

import pytest

from conftest import PATCHED, clean_env, run_python

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] == (3, 11),
    reason="3.12 API: native 3.11 lacks it, and the package patches 3.8-3.10 by default")


def returns_awaitable():
    return asyncio.sleep(0)


def test_marked_functions_are_coroutine_functions():
    def plain():
        pass

    assert not inspect.iscoroutinefunction(plain)
    assert inspect.markcoroutinefunction(plain) is plain
    assert inspect.iscoroutinefunction(plain)
    assert inspect.iscoroutinefunction(functools.partial(plain, 1))


def test_methods_and_async_def_still_answer_as_before():
    class Service:
        def handle(self):
            return asyncio.sleep(0)

        inspect.markcoroutinefunction(handle)

        async def native(self):
            pass

        def plain(self):
            pass

    assert inspect.iscoroutinefunction(Service.handle)
    assert inspect.iscoroutinefunction(Service().handle)
    assert inspect.iscoroutinefunction(Service().native)
    assert not inspect.iscoroutinefunction(Service().plain)
    assert not inspect.iscoroutinefunction(len)
    assert not inspect.iscoroutinefunction(None)


def test_marking_a_bound_method_marks_its_function():
    class Service:
        def handle(self):
            pass

    inspect.markcoroutinefunction(Service().handle)
    assert inspect.iscoroutinefunction(Service.handle)


def test_asyncio_iscoroutinefunction_honours_the_mark():
    def plain():
        pass

    inspect.markcoroutinefunction(plain)
    assert asyncio.iscoroutinefunction(plain)


@pytest.mark.skipif(not PATCHED, reason="the package is inactive by default on 3.11+")
def test_a_copy_taken_before_the_first_mark_honours_it():
    # Libraries take the function at import (anyio, tenacity: `from inspect
    # import iscoroutinefunction`), before any program marks anything.
    result = run_python(code="""
        import sys
        from inspect import iscoroutinefunction
        import inspect
        print("taskgroup_patch" in sys.modules)
        def plain():
            pass
        print(iscoroutinefunction(inspect.markcoroutinefunction(plain)),
              iscoroutinefunction is inspect.iscoroutinefunction)
    """)
    assert (result.stdout, result.stderr) == ("False\nTrue True\n", "")


@pytest.mark.skipif(not PATCHED, reason="the package is inactive by default on 3.11+")
def test_switched_off_inspect_is_the_interpreters():
    result = run_python(code="""
        import inspect
        print(hasattr(inspect, "markcoroutinefunction"))
    """, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("False\n", "")
