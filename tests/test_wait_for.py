"""asyncio.wait_for as 3.12 rebuilt it on asyncio.timeout().

Found by the differential tester (difftest/): 3.8-3.10's own wait_for wraps
a coroutine in a task of its own and reports errors differently.
"""

import asyncio
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401

NEEDS_312 = pytest.mark.skipif(sys.version_info[:2] == (3, 11),
                               reason="3.11's wait_for is the old one; 3.12 rebuilt it")


@NEEDS_312
def test_a_coroutine_runs_in_the_waiting_task():
    async def where(caller):
        return asyncio.current_task() is caller

    async def main():
        return await asyncio.wait_for(where(asyncio.current_task()), 1)

    assert asyncio.run(main()) is True


@NEEDS_312
def test_no_extra_suspension_point_under_an_expired_timeout():
    async def immediate():
        return "done"

    async def main():
        async with asyncio.timeout(0) as deadline:
            result = await asyncio.wait_for(immediate(), 1)
        return result, deadline.expired()

    assert asyncio.run(main()) == ("done", False)


@pytest.mark.skipif(sys.version_info[:2] in ((3, 11), (3, 12)),
                    reason="3.11/3.12 bug fixed in 3.13: the timeout does not put "
                           "TimeoutError into the context of an error raised on expiry")
def test_error_raised_on_cancellation_keeps_the_timeout_in_its_context():
    async def turns_cancel_into_key_error():
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise KeyError("converted")

    async def main():
        with pytest.raises(KeyError) as info:
            await asyncio.wait_for(turns_cancel_into_key_error(), 0.01)
        return info.value

    error = asyncio.run(main())
    assert isinstance(error.__context__, TimeoutError)
    assert error.__cause__ is None


def test_timeout_error_is_caused_by_the_cancellation():
    async def main():
        with pytest.raises(TimeoutError) as info:
            await asyncio.wait_for(asyncio.sleep(1), 0.01)
        return info.value

    error = asyncio.run(main())
    assert isinstance(error, asyncio.TimeoutError)
    assert isinstance(error.__cause__, asyncio.CancelledError)


@pytest.mark.parametrize("timeout", [0, -1])
def test_zero_or_negative_timeout_cancels_at_once(timeout):
    async def main():
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.sleep(1), timeout)
        finished = asyncio.get_running_loop().create_future()
        finished.set_result("already")
        return await asyncio.wait_for(finished, timeout)

    assert asyncio.run(main()) == "already"


def test_a_cancelled_wait_cancels_the_awaited_task():
    async def main():
        inner = asyncio.ensure_future(asyncio.sleep(10))
        waiter = asyncio.ensure_future(asyncio.wait_for(inner, 5))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return inner.cancelled()

    assert asyncio.run(main()) is True


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="3.10 removed the loop argument")
def test_loop_argument_is_accepted_with_a_deprecation_warning():
    async def main():
        loop = asyncio.get_running_loop()
        with pytest.warns(DeprecationWarning) as record:
            result = await asyncio.wait_for(asyncio.sleep(0, "done"), 1, loop=loop)
        with pytest.warns(DeprecationWarning), pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.sleep(1), 0.01, loop=loop)
        return result, record

    result, record = asyncio.run(main())
    assert result == "done"
    assert [str(w.message) for w in record] == [
        "The loop argument is deprecated since Python 3.8, "
        "and scheduled for removal in Python 3.10."]
    assert record[0].filename == __file__


@pytest.mark.skipif(sys.version_info < (3, 10), reason="3.8 and 3.9 still take a loop")
def test_loop_argument_is_refused():
    async def main():
        coro = asyncio.sleep(0)
        try:
            with pytest.raises(TypeError, match="unexpected keyword argument 'loop'"):
                await asyncio.wait_for(coro, 1, loop=asyncio.get_running_loop())
        finally:
            coro.close()

    asyncio.run(main())
