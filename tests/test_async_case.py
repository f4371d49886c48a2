"""unittest.IsolatedAsyncioTestCase as 3.11-3.13 made it: enterAsyncContext(),
loop_factory, one Runner and one context for every phase of a test."""

import asyncio
import contextvars
import sys
import unittest

import pytest

from _asynciohelpers import PATCHED, no_asyncio_errors  # noqa: F401

var = contextvars.ContextVar("var", default="unset")

needs_loop_factory = pytest.mark.skipif(
    not PATCHED and sys.version_info < (3, 13),
    reason="IsolatedAsyncioTestCase.loop_factory is new in 3.13")
needs_eager = pytest.mark.skipif(
    not hasattr(asyncio, "eager_task_factory"), reason="eager tasks are new in 3.12")


def run_case(case_class, *names):
    """Run the named tests of *case_class*; return the unittest result."""
    suite = unittest.TestSuite(case_class(name) for name in names)
    result = unittest.TestResult()
    suite.run(result)
    return result


def assert_passed(result):
    problems = [text for _, text in result.errors + result.failures]
    assert not problems, "\n".join(problems)
    assert result.testsRun > 0


class AsyncCM:
    def __init__(self, events):
        self.events = events

    async def __aenter__(self):
        self.events.append("enter")
        return "entered"

    async def __aexit__(self, *exc_info):
        self.events.append("exit")


def test_enter_async_context_returns_what_enter_returns_and_exits_after_the_test():
    events = []

    class Case(unittest.IsolatedAsyncioTestCase):
        async def test_it(self):
            self.assertEqual(await self.enterAsyncContext(AsyncCM(events)), "entered")
            events.append("test")

        async def asyncTearDown(self):
            events.append("asyncTearDown")

    assert_passed(run_case(Case, "test_it"))
    # Cleanups run after asyncTearDown.
    assert events == ["enter", "test", "asyncTearDown", "exit"]


def test_enter_async_context_refuses_what_is_not_an_async_context_manager():
    class OnlyEnter:
        async def __aenter__(self):
            pass

    class Case(unittest.IsolatedAsyncioTestCase):
        async def test_it(self):
            for bad in (object(), OnlyEnter()):
                with self.assertRaisesRegex(TypeError, "asynchronous context manager"):
                    await self.enterAsyncContext(bad)

    assert_passed(run_case(Case, "test_it"))


@needs_loop_factory
def test_loop_factory_makes_the_loop_of_each_test():
    made = []

    def factory():
        loop = asyncio.new_event_loop()
        made.append(loop)
        return loop

    class Case(unittest.IsolatedAsyncioTestCase):
        loop_factory = staticmethod(factory)

        async def test_one(self):
            self.assertIs(asyncio.get_running_loop(), made[-1])

        async def test_two(self):
            self.assertIs(asyncio.get_running_loop(), made[-1])

    assert_passed(run_case(Case, "test_one", "test_two"))
    assert len(made) == 2 and all(loop.is_closed() for loop in made)


@needs_loop_factory
@needs_eager
def test_an_eager_loop_factory_really_makes_eager_tasks():
    # The way CPython's TestEagerTaskTaskGroup runs every TaskGroup test eagerly.
    seen = []

    def eager_loop():
        loop = asyncio.new_event_loop()
        loop.set_task_factory(asyncio.eager_task_factory)
        return loop

    async def child():
        seen.append(asyncio.current_task())
        return "child"

    class Case(unittest.IsolatedAsyncioTestCase):
        loop_factory = staticmethod(eager_loop)

        async def test_it(self):
            task = asyncio.create_task(child())
            self.assertEqual(seen, [task])
            self.assertTrue(task.done())
            async with asyncio.TaskGroup() as tg:
                in_group = tg.create_task(child())
                self.assertTrue(in_group.done())

    assert_passed(run_case(Case, "test_it"))
    assert len(seen) == 2


def test_every_phase_shares_one_context_with_set_up():
    seen = []

    class Case(unittest.IsolatedAsyncioTestCase):
        def setUp(self):
            var.set("setUp")

        async def asyncSetUp(self):
            seen.append(var.get())
            var.set("asyncSetUp")

        async def test_it(self):
            seen.append(var.get())
            var.set("test")
            self.addAsyncCleanup(self.cleanup)

        async def asyncTearDown(self):
            seen.append(var.get())

        def tearDown(self):
            seen.append(var.get())

        async def cleanup(self):
            seen.append(var.get())

    assert_passed(run_case(Case, "test_it"))
    assert seen == ["setUp", "asyncSetUp", "test", "test", "test"]
    assert var.get() == "unset"


def test_each_phase_runs_as_a_task_of_its_own_in_one_loop():
    tasks, loops = [], []

    class Case(unittest.IsolatedAsyncioTestCase):
        async def asyncSetUp(self):
            tasks.append(asyncio.current_task())
            loops.append(asyncio.get_running_loop())

        async def test_it(self):
            tasks.append(asyncio.current_task())
            loops.append(asyncio.get_running_loop())
            # The test's own coroutine is what its task runs.
            self.assertEqual(asyncio.current_task().get_coro().cr_code.co_name, "test_it")

    assert_passed(run_case(Case, "test_it"))
    assert tasks[0] is not tasks[1]
    assert loops[0] is loops[1]


def test_a_plain_cleanup_that_returns_an_awaitable_has_it_awaited():
    # 3.8-3.10 awaited it, and the package keeps that; 3.11+ too, for a
    # coroutine function.
    events = []

    async def later():
        events.append("awaited")

    class Case(unittest.IsolatedAsyncioTestCase):
        async def test_it(self):
            self.addAsyncCleanup(later)

    assert_passed(run_case(Case, "test_it"))
    assert events == ["awaited"]


def test_tasks_left_running_are_cancelled_after_the_test():
    cancelled = []

    async def forever():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    class Case(unittest.IsolatedAsyncioTestCase):
        async def test_it(self):
            asyncio.create_task(forever())
            await asyncio.sleep(0)

    assert_passed(run_case(Case, "test_it"))
    assert cancelled == [True]


def test_a_failing_test_is_reported_as_a_failure():
    class Case(unittest.IsolatedAsyncioTestCase):
        async def test_it(self):
            self.assertEqual(1, 2)

        async def test_error(self):
            raise ZeroDivisionError

    result = run_case(Case, "test_it", "test_error")
    assert len(result.failures) == 1 and len(result.errors) == 1
    assert "ZeroDivisionError" in result.errors[0][1]


@pytest.mark.skipif(not PATCHED, reason="_setupAsyncioLoop() is the private hook of 3.8-3.10")
def test_a_class_that_sets_up_its_loop_the_old_way_keeps_the_old_machinery():
    # Code written for 3.8-3.10 overrode this private hook to pick its loop.
    events = []

    class Case(unittest.IsolatedAsyncioTestCase):
        def _setupAsyncioLoop(self):
            events.append("old hook")
            super()._setupAsyncioLoop()
            self._asyncioTestLoop.slow_callback_duration = 42

        async def test_it(self):
            events.append(asyncio.get_running_loop().slow_callback_duration)

    assert_passed(run_case(Case, "test_it"))
    assert events == ["old hook", 42]


@pytest.mark.skipif(not PATCHED, reason="the patch applies to 3.8-3.10")
def test_the_interpreters_class_itself_is_patched():
    import unittest.async_case

    cls = unittest.async_case.IsolatedAsyncioTestCase
    assert unittest.IsolatedAsyncioTestCase is cls
    assert cls.loop_factory is None
    assert "enterAsyncContext" in vars(cls)


@pytest.mark.skipif(not PATCHED, reason="_tearDownAsyncioLoop() is the private name of 3.8-3.10")
def test_the_old_teardown_name_still_ends_a_test_run_by_debug():
    # 3.8-3.10's own tests (and code written for them) call it after debug().
    events = []

    class Case(unittest.IsolatedAsyncioTestCase):
        async def test_it(self):
            self.addAsyncCleanup(self.cleanup)
            raise ZeroDivisionError

        async def cleanup(self):
            events.append("cleanup")

    case = Case("test_it")
    with pytest.raises(ZeroDivisionError):
        case.debug()
    case.doCleanups()
    case._tearDownAsyncioLoop()
    assert events == ["cleanup"]
    assert case._asyncioTestLoop is None


@pytest.mark.skipif(not PATCHED, reason="the patch applies to 3.8-3.10")
def test_install_patches_a_unittest_imported_before_it():
    from conftest import clean_env, run_python

    code = """
        import unittest.async_case
        assert not hasattr(unittest.IsolatedAsyncioTestCase, "enterAsyncContext")
        import taskgroup_patch
        taskgroup_patch.install()
        assert hasattr(unittest.IsolatedAsyncioTestCase, "enterAsyncContext")
        assert unittest.IsolatedAsyncioTestCase.loop_factory is None
        print("ok")
    """
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("ok\n", "")


def test_a_program_that_never_imports_unittest_pays_nothing_for_it():
    from conftest import run_python

    code = """
        import asyncio, sys
        asyncio.run(asyncio.sleep(0))
        print(sorted(m for m in sys.modules if "async_case" in m or m == "unittest"))
    """
    result = run_python(code=code)
    assert (result.stdout, result.stderr) == ("[]\n", "")
