"""What asyncio raises on a timeout is caught by ``except TimeoutError`` (3.11
code) and by ``except asyncio.TimeoutError`` (older code, even code that took
the class before asyncio was patched)."""

import asyncio
import concurrent.futures
import copy
import pickle
import socket
import sys
import threading
import traceback

import pytest

from _asynciohelpers import PATCHED, no_asyncio_errors  # noqa: F401
from conftest import clean_env, run_python


async def forever():
    await asyncio.get_running_loop().create_future()


async def expire_timeout():
    async with asyncio.timeout(0.01):
        await forever()


async def expire_timeout_at():
    async with asyncio.timeout_at(asyncio.get_running_loop().time() + 0.01):
        await forever()


async def expire_wait_for():
    await asyncio.wait_for(forever(), 0.01)


async def expire_wait_for_zero():
    await asyncio.wait_for(forever(), 0)


async def expire_as_completed():
    for next_done in asyncio.as_completed([forever()], timeout=0.01):
        await next_done


SOURCES = {
    "as_completed": expire_as_completed,
    "timeout": expire_timeout,
    "timeout_at": expire_timeout_at,
    "wait_for": expire_wait_for,
    "wait_for(0)": expire_wait_for_zero,
}


def _raised(source):
    async def main():
        try:
            await SOURCES[source]()
        except BaseException as exc:
            return exc
        raise AssertionError("no timeout")  # pragma: no cover

    return asyncio.run(main())


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_caught_by_except_timeout_error(source):
    async def main():
        try:
            await SOURCES[source]()
        except TimeoutError as exc:
            return exc

    assert asyncio.run(main()) is not None


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_caught_by_except_asyncio_timeout_error(source):
    async def main():
        try:
            await SOURCES[source]()
        except asyncio.TimeoutError as exc:
            return exc

    assert asyncio.run(main()) is not None


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_raised_error_is_every_timeout_error(source):
    exc = _raised(source)
    assert isinstance(exc, TimeoutError)
    assert isinstance(exc, asyncio.TimeoutError)
    assert isinstance(exc, asyncio.exceptions.TimeoutError)
    assert isinstance(exc, concurrent.futures.TimeoutError)
    assert isinstance(exc, OSError)  # as the builtin is
    assert type(exc).__name__ == "TimeoutError"


def test_public_names_are_the_builtin():
    # 3.11's aliases.
    assert asyncio.TimeoutError is TimeoutError
    assert asyncio.exceptions.TimeoutError is TimeoutError
    assert concurrent.futures.TimeoutError is TimeoutError
    assert "TimeoutError" in asyncio.__all__
    assert "TimeoutError" in asyncio.exceptions.__all__
    assert "TimeoutError" in concurrent.futures.__all__


def test_a_plain_builtin_timeout_error_is_caught_by_the_asyncio_clause():
    # aiotools raises the builtin and catches asyncio.TimeoutError.
    async def main():
        try:
            raise TimeoutError("plain")
        except asyncio.TimeoutError as exc:
            return exc

    assert asyncio.run(main()).args == ("plain",)
    try:
        raise TimeoutError
    except concurrent.futures.TimeoutError:
        pass


@pytest.mark.skipif(sys.version_info < (3, 10),
                    reason="socket.timeout became the builtin TimeoutError in 3.10")
def test_a_socket_timeout_is_caught_by_the_asyncio_clause():
    a, b = socket.socketpair()
    with a, b:
        a.settimeout(0.01)
        with pytest.raises(asyncio.TimeoutError):
            a.recv(1)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_timeout_prints_as_the_builtin(source):
    exc = _raised(source)
    assert traceback.format_exception_only(type(exc), exc) == ["TimeoutError\n"]
    assert repr(exc) == "TimeoutError()"


def test_asyncio_timeout_error_raised_by_hand_is_caught_by_the_builtin_clause():
    try:
        raise asyncio.TimeoutError("by hand")
    except TimeoutError as exc:
        assert exc.args == ("by hand",)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_timeout_errors_pickle_and_copy_as_the_builtin(source):
    exc = _raised(source)
    exc.__cause__ = exc.__context__ = None
    exc.__traceback__ = None
    exc.note = "kept"
    for again in (pickle.loads(pickle.dumps(exc)), copy.copy(exc)):
        assert type(again) is TimeoutError
        assert again.args == exc.args
        assert again.note == "kept"


# Protocols 0-2 pickle the builtin TimeoutError as Python 2's
# exceptions.OSError (pickle's compatibility mapping), natively too.
@pytest.mark.parametrize("protocol", range(3, pickle.HIGHEST_PROTOCOL + 1))
def test_exception_classes_and_instances_pickle(protocol):
    for cls in (asyncio.TimeoutError, concurrent.futures.TimeoutError,
                asyncio.BrokenBarrierError, asyncio.CancelledError):
        assert pickle.loads(pickle.dumps(cls, protocol)) is cls
        exc = cls("message", 2)
        again = pickle.loads(pickle.dumps(exc, protocol))
        assert type(again) is cls
        assert again.args == ("message", 2)


def test_exception_group_from_a_task_group_pickles():
    async def fail(exc):
        raise exc

    async def main():
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(fail(ValueError("a")))
                tg.create_task(fail(TimeoutError("b")))
        except ExceptionGroup as eg:
            return eg

    eg = asyncio.run(main())
    again = pickle.loads(pickle.dumps(eg))
    assert isinstance(again, ExceptionGroup)
    assert again.message == eg.message
    assert [(type(e), e.args) for e in again.exceptions] == [
        (ValueError, ("a",)), (TimeoutError, ("b",))]


# --- concurrent.futures ------------------------------------------------------------

def test_run_coroutine_threadsafe_result_timeout_from_another_thread():
    outcome = {}

    def in_thread(loop):
        future = asyncio.run_coroutine_threadsafe(asyncio.sleep(1), loop)
        try:
            try:
                future.result(timeout=0.01)
            except TimeoutError as exc:
                outcome["builtin"] = exc
            try:
                future.result(timeout=0.01)
            except concurrent.futures.TimeoutError as exc:
                outcome["concurrent.futures"] = exc
            try:
                future.result(timeout=0.01)
            except asyncio.TimeoutError as exc:
                outcome["asyncio"] = exc
        finally:
            future.cancel()

    async def main():
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, in_thread, loop)
        # Let the cancelled sleep finish.
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(main())
    assert sorted(outcome) == ["asyncio", "builtin", "concurrent.futures"]
    for exc in outcome.values():
        assert isinstance(exc, TimeoutError)
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is TimeoutError


def test_executor_future_and_as_completed_timeouts():
    gate = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(gate.wait, 5)
        try:
            with pytest.raises(TimeoutError):
                future.result(timeout=0.01)
            with pytest.raises(TimeoutError):
                future.exception(timeout=0.01)
            with pytest.raises(TimeoutError):
                for _ in concurrent.futures.as_completed([future], timeout=0.01):
                    pass  # pragma: no cover
            try:
                future.result(timeout=0.01)
            except asyncio.TimeoutError:
                pass
        finally:
            gate.set()
        assert future.result(timeout=5) is True


def test_asyncio_wrap_future_timeout():
    async def main():
        gate = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            try:
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(
                        asyncio.wrap_future(pool.submit(gate.wait, 5)), 0.01)
            finally:
                gate.set()

    asyncio.run(main())


# --- a class taken before the patch ------------------------------------------------

def test_class_taken_before_the_patch_still_catches():
    result = run_python(code="""
        import asyncio
        import concurrent.futures
        OldAsyncio = asyncio.TimeoutError
        OldFutures = concurrent.futures.TimeoutError
        from asyncio import TimeoutError as Imported

        import sys
        import taskgroup_patch
        if sys.version_info < (3, 11):
            # (3.11+: the old classes are the builtin already.)
            taskgroup_patch.install()

        async def forever():
            await asyncio.get_running_loop().create_future()

        async def expire_timeout():
            async with asyncio.timeout(0.01):
                await forever()

        async def expire_wait_for():
            await asyncio.wait_for(forever(), 0.01)

        async def main():
            for source in (expire_timeout, expire_wait_for):
                for old in (OldAsyncio, OldFutures, Imported, TimeoutError):
                    try:
                        await source()
                    except old:
                        print("caught", source.__name__, old.__module__, old.__name__)

        asyncio.run(main())
        print("patched:", bool(taskgroup_patch.installed()))
        """, env=clean_env(TASKGROUP_PATCH="0"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "patched: %s" % PATCHED
    assert len([line for line in lines if line.startswith("caught ")]) == 8, lines


def test_concurrent_futures_class_taken_before_asyncio_still_catches():
    # The usual way to hold an old class: a module imported before asyncio
    # (whose import patches) took it from concurrent.futures.
    result = run_python(code="""
        from concurrent.futures import TimeoutError as Old
        import concurrent.futures
        import threading

        import asyncio

        caught = []
        gate = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(gate.wait, 5)
            for wait in (lambda: future.result(0.01),
                         lambda: future.exception(0.01),
                         lambda: list(concurrent.futures.as_completed([future], 0.01)),
                         lambda: list(pool.map(gate.wait, [5], timeout=0.01))):
                try:
                    wait()
                except Old as exc:
                    caught.append(isinstance(exc, TimeoutError))
            gate.set()

        async def forever():
            await asyncio.get_running_loop().create_future()

        async def expire_timeout():
            async with asyncio.timeout(0.01):
                await forever()

        async def main():
            loop = asyncio.get_running_loop()
            for wait in (expire_timeout(), asyncio.wait_for(forever(), 0.01)):
                try:
                    await wait
                except Old as exc:
                    caught.append(isinstance(exc, TimeoutError))
            remote = asyncio.run_coroutine_threadsafe(asyncio.sleep(1), loop)
            def in_thread():
                try:
                    remote.result(0.01)
                except Old as exc:
                    caught.append(isinstance(exc, TimeoutError))
            await loop.run_in_executor(None, in_thread)
            remote.cancel()
            await asyncio.sleep(0)

        asyncio.run(main())
        print(caught)
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[True,"] + ["True,"] * 5 + ["True]"], result.stdout
