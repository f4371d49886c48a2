"""asyncio.Future[int], Task[int] and the queues subscripted at run time (PEP 585, 3.9).

On 3.8 the C future type gains __class_getitem__ in its own dictionary: the
futures and tasks asyncio makes keep their types, so isinstance() holds for
every one of them, however made.
"""

import asyncio
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import clean_env, run_python

SUBSCRIPTABLE = ["Future", "Task", "Queue", "PriorityQueue", "LifoQueue"]


@pytest.mark.parametrize("name", SUBSCRIPTABLE)
def test_subscripting(name):
    cls = getattr(asyncio, name)
    alias = cls[int]
    assert alias.__origin__ is cls
    assert alias.__args__ == (int,)
    assert cls[str, int].__args__ == (str, int)
    assert repr(alias).endswith("%s[int]" % cls.__qualname__)


def test_annotations_evaluated_at_definition():
    def handler(future: "asyncio.Future[int]") -> asyncio.Task[str]:
        pass

    assert handler.__annotations__["return"].__args__ == (str,)


def test_every_future_and_task_asyncio_makes_is_still_an_instance():
    async def child():
        return 1

    async def main():
        loop = asyncio.get_running_loop()
        futures = [
            loop.create_future(),
            asyncio.Future(),
            asyncio.ensure_future(child()),
            asyncio.create_task(child()),
            loop.create_task(child()),
            asyncio.gather(child()),
            asyncio.run_coroutine_threadsafe(child(), loop),  # concurrent.futures
            loop.run_in_executor(None, int),
            asyncio.shield(child()),
        ]
        for future in futures:
            if future.__class__.__module__.startswith("concurrent"):
                continue
            assert isinstance(future, asyncio.Future), future
        for task in futures[2:5]:
            assert isinstance(task, asyncio.Task), task
        futures[0].set_result(None)
        futures[1].set_result(None)
        await asyncio.gather(*futures[2:6], *futures[7:])
        futures[6].result()

    asyncio.run(main())


def test_subclasses_of_the_aliases_are_subclasses():
    class IntFuture(asyncio.Future[int]):
        pass

    async def main():
        future = IntFuture()
        assert isinstance(future, asyncio.Future)
        future.set_result(3)
        assert await future == 3
        assert IntFuture[int].__origin__ is IntFuture

    asyncio.run(main())


def test_gathers_future_subscripts_as_its_own_class():
    async def main():
        gathering = asyncio.gather()
        alias = type(gathering)[int]
        assert alias.__origin__ is type(gathering)
        await gathering

    asyncio.run(main())


@pytest.mark.skipif(sys.version_info >= (3, 9), reason="3.8's C future only")
def test_a_cached_lookup_from_before_the_patch_does_not_hide_it():
    # The interpreter caches attribute lookups per type, a miss included:
    # writing the type's dictionary must drop what was cached.
    result = run_python(code="""
        import asyncio
        print(hasattr(asyncio.Future, "__class_getitem__"),
              hasattr(asyncio.tasks._CTask, "__class_getitem__"))
        import taskgroup_patch
        taskgroup_patch.install()
        print(asyncio.Future[int].__args__, asyncio.tasks._CTask[str].__args__)
    """, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("False False\n(<class 'int'>,) (<class 'str'>,)\n", "")


@pytest.mark.skipif(sys.version_info >= (3, 9), reason="3.8's C future only")
def test_switched_off_the_c_future_is_the_interpreters():
    result = run_python(code="""
        import asyncio
        print("__class_getitem__" in vars(asyncio.Future))
        try:
            asyncio.Future[int]
        except TypeError as error:
            print(error)
    """, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == (
        "False\n'type' object is not subscriptable\n", "")


@pytest.mark.skipif(sys.version_info >= (3, 9), reason="3.8's C future only")
def test_installed_reports_the_c_future():
    import taskgroup_patch

    assert "_asyncio.Future.__class_getitem__" in taskgroup_patch.installed()
