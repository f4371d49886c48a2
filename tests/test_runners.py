"""asyncio.Runner and asyncio.run() with 3.14 semantics, plain asyncio names."""

import asyncio
import contextvars
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from _asynciohelpers import Recorder, no_asyncio_errors  # noqa: F401
from conftest import clean_env

var = contextvars.ContextVar("var", default="unset")

run_loop_factory_skip = pytest.mark.skipif(
    sys.version_info[:2] == (3, 11),
    reason="asyncio.run(loop_factory=) is new in 3.12 (Runner has it in 3.11)")


async def forever():
    await asyncio.get_running_loop().create_future()


async def set_var(value):
    var.set(value)


async def get_var():
    return var.get()


class RecordingPolicy(asyncio.DefaultEventLoopPolicy):
    def __init__(self):
        super().__init__()
        self.set_calls = []

    def set_event_loop(self, loop):
        self.set_calls.append(loop)
        super().set_event_loop(loop)


@pytest.fixture
def policy():
    old = asyncio.get_event_loop_policy()
    new = RecordingPolicy()
    asyncio.set_event_loop_policy(new)
    try:
        yield new
    finally:
        asyncio.set_event_loop_policy(old)


# --- basics ----------------------------------------------------------------------

def test_runner_runs_coroutines_in_one_loop():
    loops = []

    async def which_loop(value):
        loops.append(asyncio.get_running_loop())
        return value

    with asyncio.Runner() as runner:
        assert runner.run(which_loop(1)) == 1
        assert runner.run(which_loop(2)) == 2
        loop = runner.get_loop()
        assert not loop.is_closed()
    assert loops == [loop, loop]
    assert loop.is_closed()


def test_runner_propagates_exceptions_and_stays_usable():
    async def fail():
        raise LookupError("from run")

    with asyncio.Runner() as runner:
        with pytest.raises(LookupError, match="from run"):
            runner.run(fail())
        assert runner.run(asyncio.sleep(0, result="again")) == "again"


@pytest.mark.parametrize("debug", [True, False])
def test_runner_debug(debug):
    async def loop_debug():
        return asyncio.get_running_loop().get_debug()

    with asyncio.Runner(debug=debug) as runner:
        assert runner.get_loop().get_debug() is debug
        assert runner.run(loop_debug()) is debug
    assert asyncio.run(loop_debug(), debug=debug) is debug


def test_runner_loop_factory_and_lazy_loop():
    made = []

    def factory():
        loop = asyncio.new_event_loop()
        made.append(loop)
        return loop

    runner = asyncio.Runner(loop_factory=factory)
    assert made == []  # nothing before it is needed
    loop = runner.get_loop()
    assert made == [loop]
    assert runner.get_loop() is loop
    assert runner.run(asyncio.sleep(0, result=5)) == 5
    assert made == [loop]
    runner.close()
    assert loop.is_closed()

    with asyncio.Runner(loop_factory=factory) as runner:
        assert len(made) == 2  # entering creates it
        assert runner.get_loop() is made[1]
    assert made[1].is_closed()


def test_close_twice_and_close_unused():
    runner = asyncio.Runner()
    runner.close()
    runner.close()

    runner = asyncio.Runner()
    loop = runner.get_loop()
    runner.close()
    runner.close()
    assert loop.is_closed()


def test_closed_runner_refuses_work():
    runner = asyncio.Runner()
    runner.run(asyncio.sleep(0))
    runner.close()
    coro = asyncio.sleep(0)
    try:
        with pytest.raises(RuntimeError, match="Runner is closed"):
            runner.run(coro)
    finally:
        coro.close()
    with pytest.raises(RuntimeError, match="Runner is closed"):
        runner.get_loop()
    with pytest.raises(RuntimeError, match="Runner is closed"):
        with runner:
            pass  # pragma: no cover


newer_run_skip = pytest.mark.skipif(
    sys.version_info[:2] in ((3, 11), (3, 12), (3, 13))
    and asyncio.Runner.__module__ != "taskgroup_patch.backport.runners",
    reason="run() and Runner.run() take any awaitable since 3.14 (or TASKGROUP_PATCH=1)")


@newer_run_skip
@pytest.mark.parametrize("value", [123, None, "function"])
def test_only_awaitables_are_accepted(value):
    if value == "function":
        def value():
            return forever()  # a function, not an awaitable
    with asyncio.Runner() as runner:
        with pytest.raises(TypeError, match="a coroutine or an awaitable is required"):
            runner.run(value)
    with pytest.raises(TypeError, match="a coroutine or an awaitable is required"):
        asyncio.run(value)


class Answer:
    """An awaitable that is not a coroutine."""

    def __await__(self):
        yield from asyncio.sleep(0).__await__()
        return var.get()


@newer_run_skip
def test_run_accepts_any_awaitable():
    with asyncio.Runner() as runner:
        future = runner.get_loop().create_future()
        future.set_result("future")
        assert runner.run(future) == "future"
        # Awaited by a task in the runner's context, as a coroutine would be.
        assert runner.run(Answer()) == "unset"
        runner.run(set_var("set"), context=None)
        assert runner.run(Answer()) == "set"
    assert asyncio.run(Answer()) == "unset"


def test_runner_run_inside_a_running_loop():
    async def main():
        runner = asyncio.Runner()
        coro = asyncio.sleep(0)
        try:
            with pytest.raises(RuntimeError,
                               match=r"Runner\.run\(\) cannot be called from a running event loop"):
                runner.run(coro)
        finally:
            coro.close()
            runner.close()

    asyncio.run(main())


def test_asyncio_run_inside_a_running_loop():
    async def main():
        coro = asyncio.sleep(0)
        try:
            with pytest.raises(RuntimeError, match=r"asyncio\.run\(\) cannot be called "
                                                   r"from a running event loop"):
                asyncio.run(coro)
        finally:
            coro.close()

    asyncio.run(main())


# --- contexts ------------------------------------------------------------------------

def test_run_with_explicit_context():
    ctx = contextvars.copy_context()
    with asyncio.Runner() as runner:
        runner.run(set_var("explicit"), context=ctx)
        assert ctx[var] == "explicit"
        # The runner's own context was not touched.
        assert runner.run(get_var()) == "unset"
        assert runner.run(get_var(), context=ctx) == "explicit"
    assert var.get() == "unset"


def test_runner_context_kept_across_runs():
    with asyncio.Runner() as runner:
        runner.run(set_var("first run"))
        assert runner.run(get_var()) == "first run"
        runner.run(set_var("second run"))
        assert runner.run(get_var()) == "second run"
    assert var.get() == "unset"


def test_each_asyncio_run_has_a_fresh_context():
    asyncio.run(set_var("one"))
    assert asyncio.run(get_var()) == "unset"


# --- current event loop ------------------------------------------------------------

def test_without_loop_factory_loop_is_set_as_current(policy):
    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        assert policy.set_calls == [loop]
        assert policy.get_event_loop() is loop
        runner.run(asyncio.sleep(0))
        runner.run(asyncio.sleep(0))
        assert policy.set_calls == [loop]
    assert policy.set_calls == [loop, None]


def test_with_loop_factory_loop_is_not_set_as_current(policy):
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        runner.run(asyncio.sleep(0))
    assert policy.set_calls == []


@run_loop_factory_skip
def test_asyncio_run_with_loop_factory_does_not_set_current_loop(policy):
    loops = []

    def factory():
        loops.append(asyncio.new_event_loop())
        return loops[-1]

    async def main():
        return asyncio.get_running_loop()

    assert asyncio.run(main(), loop_factory=factory) is loops[0]
    assert policy.set_calls == []
    assert loops[0].is_closed()


# --- the user's task factory ------------------------------------------------------

def test_user_task_factory_is_kept_and_used():
    made = []

    def task_factory(loop, coro, **kwargs):
        task = asyncio.Task(coro, loop=loop, **kwargs)
        made.append(task)
        return task

    def loop_factory():
        loop = asyncio.new_event_loop()
        loop.set_task_factory(task_factory)
        return loop

    async def main():
        me = asyncio.current_task()
        assert me in made
        var.set("in main")
        child = asyncio.create_task(get_var())
        assert child in made
        assert await child == "in main"
        assert asyncio.get_running_loop().get_task_factory() is task_factory
        return len(made)

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        assert runner.get_loop().get_task_factory() is task_factory
        assert runner.run(main()) == 2
        assert runner.run(get_var()) == "in main"
        assert len(made) == 3


# --- shutdown -------------------------------------------------------------------------

def test_close_finalizes_async_generators():
    finalized = []
    gens = []

    async def agen():
        try:
            yield 1
            yield 2
        finally:
            finalized.append("finally ran")

    async def main():
        gen = agen()
        gens.append(gen)
        assert await gen.__anext__() == 1

    with asyncio.Runner() as runner:
        runner.run(main())
        assert finalized == []
    assert finalized == ["finally ran"]

    gens.clear()
    finalized.clear()
    asyncio.run(main())
    assert finalized == ["finally ran"]


@pytest.mark.parametrize("how", ["Runner", "asyncio.run"])
def test_close_shuts_down_the_default_executor(how):
    workers = []

    def work():
        workers.append(threading.current_thread())
        return 5

    async def main():
        return await asyncio.get_running_loop().run_in_executor(None, work)

    if how == "Runner":
        with asyncio.Runner() as runner:
            assert runner.run(main()) == 5
            # Still there, waiting for more work...
            assert workers[0].is_alive()
    else:
        assert asyncio.run(main()) == 5
    # ...and joined by the time the loop is closed.
    assert not workers[0].is_alive()


def test_close_cancels_leftover_tasks():
    leftovers = []

    async def main():
        leftovers.append(asyncio.create_task(forever()))
        await asyncio.sleep(0)

    asyncio.run(main())
    assert leftovers[0].cancelled()


def _leftover_error_scenario():
    recorder = Recorder()
    error = ValueError("raised during shutdown")
    leftovers = []

    def loop_factory():
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(recorder)
        return loop

    async def stubborn():
        try:
            await forever()
        except asyncio.CancelledError:
            raise error from None

    async def main():
        leftovers.append(asyncio.create_task(stubborn()))
        await asyncio.sleep(0)

    return recorder, error, leftovers, loop_factory, main


def _check_leftover_reported(recorder, error, leftovers):
    assert len(recorder.calls) == 1
    context = recorder.calls[0]
    assert context["exception"] is error
    assert context["task"] is leftovers[0]
    assert context["message"] == "unhandled exception during asyncio.run() shutdown"


def test_unhandled_leftover_error_reported_runner():
    recorder, error, leftovers, loop_factory, main = _leftover_error_scenario()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main())
    _check_leftover_reported(recorder, error, leftovers)


@run_loop_factory_skip
def test_unhandled_leftover_error_reported_asyncio_run():
    recorder, error, leftovers, loop_factory, main = _leftover_error_scenario()
    asyncio.run(main(), loop_factory=loop_factory)
    _check_leftover_reported(recorder, error, leftovers)


# --- SIGINT handler ------------------------------------------------------------------

def test_sigint_handler_installed_during_run_and_restored():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    during = []

    async def main():
        during.append(signal.getsignal(signal.SIGINT))

    asyncio.run(main())
    with asyncio.Runner() as runner:
        runner.run(main())
    assert len(during) == 2
    assert all(h is not signal.default_int_handler and callable(h) for h in during)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_user_sigint_handler_left_alone():
    def mine(signum, frame):
        pass  # pragma: no cover

    during = []

    async def main():
        during.append(signal.getsignal(signal.SIGINT))

    previous = signal.signal(signal.SIGINT, mine)
    try:
        asyncio.run(main())
        assert during == [mine]
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, previous)


def test_no_sigint_handler_outside_the_main_thread():
    outcome = []

    async def main():
        return signal.getsignal(signal.SIGINT)

    def in_thread():
        try:
            outcome.append(asyncio.run(main()))
        except BaseException as exc:  # pragma: no cover
            outcome.append(exc)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert outcome == [signal.default_int_handler]


@pytest.mark.skipif(
    sys.version_info[:2] in ((3, 11), (3, 12)),
    reason="3.11/3.12 bug fixed in 3.13 (gh-112559): signal.signal() repr()s the "
           "runner's functools.partial handler, and with it the main task's result")
def test_sigint_handling_does_not_repr_the_result():
    class Result:
        reprs = 0

        def __repr__(self):
            type(self).reprs += 1
            return "<Result>"

    async def main():
        return Result()

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert type(asyncio.run(main())) is Result
    with asyncio.Runner() as runner:
        assert type(runner.run(main())) is Result
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert Result.reprs == 0


# --- Ctrl-C in a real process --------------------------------------------------------

class Child:
    """A python subprocess that says "ready" when it wants its SIGINT."""

    def __init__(self, code):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=clean_env())
        self.lines = []

    def wait_for(self, line):
        while True:
            got = self.proc.stdout.readline()
            if not got:
                err = self.proc.stderr.read()
                self.proc.wait(timeout=10)
                raise AssertionError("child ended before %r; stdout %r; stderr:\n%s"
                                     % (line, self.lines, err))
            self.lines.append(got.rstrip("\n"))
            if got.rstrip("\n") == line:
                return

    def interrupt(self):
        os.kill(self.proc.pid, signal.SIGINT)

    def finish(self):
        try:
            out, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("child hung; stdout %r, stderr %r" % (out, err))
        self.lines += out.splitlines()
        return self.proc.returncode, self.lines, err


CHILD_PRELUDE = """
import asyncio, signal, sys

def handler_is_default():
    return signal.getsignal(signal.SIGINT) is signal.default_int_handler
"""


@pytest.mark.parametrize("how", ["asyncio.run", "Runner"])
def test_ctrl_c_cancels_main_then_raises_keyboard_interrupt(how):
    run = ("asyncio.run(main())" if how == "asyncio.run"
           else "with asyncio.Runner() as runner:\n        runner.run(main())")
    child = Child(CHILD_PRELUDE + """
async def main():
    print("ready", flush=True)
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        print("cancelled", asyncio.current_task().cancelling(), flush=True)
        await asyncio.sleep(0.01)  # unwinding takes a while
        print("unwound", flush=True)
        raise

try:
    %s
except KeyboardInterrupt:
    print("KeyboardInterrupt; default handler back:", handler_is_default(), flush=True)
    raise
""" % run)
    child.wait_for("ready")
    child.interrupt()
    code, lines, err = child.finish()
    assert lines == ["ready", "cancelled 1", "unwound",
                     "KeyboardInterrupt; default handler back: True"], err
    assert "KeyboardInterrupt" in err
    assert code == -signal.SIGINT


def test_ctrl_c_swallowed_by_main_finishes_normally():
    child = Child(CHILD_PRELUDE + """
async def main():
    print("ready", flush=True)
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        print("swallowed", flush=True)
    return "finished"

with asyncio.Runner() as runner:
    print(runner.run(main()), flush=True)
    print(runner.run(asyncio.sleep(0, result="second run")), flush=True)
print("default handler back:", handler_is_default(), flush=True)
""")
    child.wait_for("ready")
    child.interrupt()
    code, lines, err = child.finish()
    assert (code, err) == (0, "")
    assert lines == ["ready", "swallowed", "finished", "second run",
                     "default handler back: True"]


def test_second_ctrl_c_raises_at_once():
    child = Child(CHILD_PRELUDE + """
async def main():
    print("ready", flush=True)
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        print("ignoring the first", flush=True)
    await asyncio.sleep(30)

asyncio.run(main())
""")
    child.wait_for("ready")
    child.interrupt()
    child.wait_for("ignoring the first")
    child.interrupt()
    code, lines, err = child.finish()
    assert lines == ["ready", "ignoring the first"]
    assert "KeyboardInterrupt" in err
    assert code == -signal.SIGINT


def test_ctrl_c_goes_to_the_users_own_handler():
    child = Child(CHILD_PRELUDE + """
async def main():
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def mine(signum, frame):
        # No print() here: the signal may come while print("ready") flushes.
        loop.call_soon_threadsafe(done.set)

    signal.signal(signal.SIGINT, mine)
    print("ready", flush=True)
    await done.wait()
    print("my handler ran", flush=True)
    return "main not cancelled"

print(asyncio.run(main()), flush=True)
""")
    child.wait_for("ready")
    child.interrupt()
    code, lines, err = child.finish()
    assert (code, err) == (0, "")
    assert lines == ["ready", "my handler ran", "main not cancelled"]


@pytest.mark.parametrize("inside", ["TaskGroup", "timeout"])
def test_ctrl_c_through_taskgroup_and_timeout(inside):
    child = Child(CHILD_PRELUDE + """
async def child_task():
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        print("child cancelled", flush=True)
        raise

async def main():
    try:
        if %r == "TaskGroup":
            async with asyncio.TaskGroup() as tg:
                tg.create_task(child_task())
                await asyncio.sleep(0)
                print("ready", flush=True)
                await asyncio.sleep(30)
        else:
            async with asyncio.timeout(30):
                print("ready", flush=True)
                await asyncio.sleep(30)
    except BaseException as exc:
        print("main got", type(exc).__name__, asyncio.current_task().cancelling(), flush=True)
        raise

asyncio.run(main())
""" % inside)
    child.wait_for("ready")
    child.interrupt()
    code, lines, err = child.finish()
    expected = ["ready", "main got CancelledError 1"]
    if inside == "TaskGroup":
        expected.insert(1, "child cancelled")
    assert lines == expected, err
    assert err.rstrip().endswith("KeyboardInterrupt")
    assert code == -signal.SIGINT


def test_names_where_311_code_looks():
    import asyncio.runners

    assert asyncio.runners.Runner is asyncio.Runner
    assert asyncio.runners.run is asyncio.run
    assert "Runner" in asyncio.__all__
    assert "Runner" in asyncio.runners.__all__
