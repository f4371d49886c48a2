"""asyncio.timeout / timeout_at / Timeout with the newest CPython semantics."""

import asyncio
import sys

import pytest

from _asynciohelpers import no_asyncio_errors, run_in_new_loop  # noqa: F401

timeout_in_context_skip = pytest.mark.skipif(
    sys.version_info[:2] in ((3, 11), (3, 12)),
    reason="3.11/3.12 bug fixed in 3.13: an error raised while a timeout expires "
           "does not get the TimeoutError inserted in its __context__ chain")


async def forever():
    await asyncio.get_running_loop().create_future()


# --- construction, when(), repr ----------------------------------------------------

def test_timeout_delay_sets_when():
    async def main():
        loop = asyncio.get_running_loop()
        before = loop.time()
        cm = asyncio.timeout(10)
        after = loop.time()
        assert isinstance(cm, asyncio.Timeout)
        assert before + 10 <= cm.when() <= after + 10
        assert asyncio.timeout(None).when() is None
        assert asyncio.timeout_at(123.5).when() == 123.5
        assert asyncio.timeout_at(None).when() is None
        assert asyncio.Timeout(42.0).when() == 42.0
        assert asyncio.Timeout(None).when() is None

    asyncio.run(main())


def test_timeout_needs_a_running_loop_but_timeout_at_does_not():
    with pytest.raises(RuntimeError):
        asyncio.timeout(1)
    assert asyncio.timeout_at(5.0).when() == 5.0
    assert asyncio.Timeout(None).when() is None


def test_repr_through_the_states():
    async def main():
        loop = asyncio.get_running_loop()
        cm = asyncio.timeout_at(loop.time() + 3600)
        assert repr(cm) == "<Timeout [created]>"
        async with cm:
            assert repr(cm) == "<Timeout [active] when=%s>" % round(cm.when(), 3)
            cm.reschedule(None)
            assert repr(cm) == "<Timeout [active] when=None>"
        assert repr(cm) == "<Timeout [finished]>"

        cm = asyncio.timeout(0)
        with pytest.raises(TimeoutError):
            async with cm:
                try:
                    await forever()
                except asyncio.CancelledError:
                    assert repr(cm) == "<Timeout [expiring]>"
                    raise
        assert repr(cm) == "<Timeout [expired]>"

    asyncio.run(main())


def test_repr_rounds_when():
    async def main():
        async with asyncio.timeout_at(12345.678901) as cm:
            assert repr(cm) == "<Timeout [active] when=12345.679>"
            cm.reschedule(None)

    asyncio.run(main())


# --- expiry -------------------------------------------------------------------

def test_expiry_raises_timeout_error_caused_by_cancelled_error():
    async def main():
        with pytest.raises(TimeoutError) as info:
            async with asyncio.timeout(0.01) as cm:
                await forever()
        assert cm.expired()
        exc = info.value
        assert isinstance(exc.__cause__, asyncio.CancelledError)
        assert exc.__suppress_context__
        return exc

    exc = asyncio.run(main())
    assert isinstance(exc, TimeoutError)
    # Patched, it is a subclass of the builtin (README, "Known differences").
    assert type(exc) is TimeoutError or sys.version_info < (3, 11)
    assert exc.args == ()


def test_expiry_timeout_error_context_is_the_cancelled_error():
    async def main():
        with pytest.raises(TimeoutError) as info:
            async with asyncio.timeout(0.01):
                await forever()
        assert info.value.__context__ is info.value.__cause__

    asyncio.run(main())


def test_expiry_caught_by_both_except_clauses():
    caught = []

    async def main():
        try:
            async with asyncio.timeout(0):
                await forever()
        except TimeoutError:
            caught.append("builtin")
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + 0.01):
                await forever()
        except asyncio.TimeoutError:
            caught.append("asyncio")
        try:
            async with asyncio.Timeout(asyncio.get_running_loop().time()):
                await forever()
        except asyncio.TimeoutError:
            caught.append("Timeout")

    asyncio.run(main())
    assert caught == ["builtin", "asyncio", "Timeout"]


def test_no_expiry_when_block_finishes_in_time():
    async def main():
        me = asyncio.current_task()
        async with asyncio.timeout(1) as cm:
            await asyncio.sleep(0)
        assert not cm.expired()
        assert me.cancelling() == 0
        # The deadline passing later does nothing to the task.
        async with asyncio.timeout(0.01) as cm:
            pass
        await asyncio.sleep(0.03)
        assert not cm.expired()
        return "done"

    assert asyncio.run(main()) == "done"


def test_timeout_none_never_expires():
    async def main():
        async with asyncio.timeout(None) as cm:
            await asyncio.sleep(0.01)
        assert not cm.expired()
        assert cm.when() is None

    asyncio.run(main())


def test_deadline_in_the_past_fires_at_the_first_await():
    steps = []

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout_at(loop.time() - 10):
                steps.append("entered")  # the block starts running
                await asyncio.sleep(0)
                steps.append("after await")  # pragma: no cover

    asyncio.run(main())
    assert steps == ["entered"]


def test_block_that_never_awaits_is_not_cancelled():
    async def main():
        me = asyncio.current_task()
        async with asyncio.timeout(0) as cm:
            pass
        assert not cm.expired()
        assert me.cancelling() == 0
        await asyncio.sleep(0)
        return "ok"

    assert asyncio.run(main()) == "ok"


@pytest.mark.parametrize("expire", [False, True])
def test_cancelling_back_to_entry_value(expire):
    async def main():
        me = asyncio.current_task()
        # Start from a non-zero count: a cancellation handled earlier.
        me.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.sleep(0)
        assert me.cancelling() == 1
        if expire:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.01):
                    await forever()
        else:
            async with asyncio.timeout(10):
                await asyncio.sleep(0)
        assert me.cancelling() == 1
        assert me.uncancel() == 0
        await asyncio.sleep(0)

    asyncio.run(main())


def test_error_raised_while_expiring_is_not_swallowed():
    async def main():
        with pytest.raises(ValueError, match="instead") as info:
            async with asyncio.timeout(0.01) as cm:
                try:
                    await forever()
                except asyncio.CancelledError:
                    raise ValueError("instead")
        assert cm.expired()
        assert asyncio.current_task().cancelling() == 0
        return info.value

    exc = asyncio.run(main())
    assert exc.args == ("instead",)


@timeout_in_context_skip
def test_error_raised_while_expiring_has_the_timeout_in_its_context():
    async def main():
        try:
            async with asyncio.timeout(0.01):
                try:
                    await forever()
                except asyncio.CancelledError:
                    raise ValueError("instead")
        except ValueError as exc:
            return exc

    exc = asyncio.run(main())
    # The timeout is recorded between the ValueError and the CancelledError.
    timeout_error = exc.__context__
    assert isinstance(timeout_error, TimeoutError)
    assert isinstance(timeout_error.__cause__, asyncio.CancelledError)
    assert timeout_error.__context__ is timeout_error.__cause__


@timeout_in_context_skip
def test_error_group_raised_while_expiring_records_the_timeout():
    async def main():
        with pytest.raises(ExceptionGroup) as info:
            async with asyncio.timeout(0.01):
                try:
                    await forever()
                except asyncio.CancelledError:
                    inner = []
                    try:
                        raise ValueError("inside")
                    except ValueError as exc:
                        inner.append(exc)
                    raise ExceptionGroup("group", inner)
        return info.value

    exc = asyncio.run(main())
    assert isinstance(exc.__context__, TimeoutError)
    # ...and in the context of each error of the group.
    assert isinstance(exc.exceptions[0].__context__, TimeoutError)


def test_block_swallowing_the_cancellation_returns_normally():
    async def main():
        me = asyncio.current_task()
        async with asyncio.timeout(0.01) as cm:
            try:
                await forever()
            except asyncio.CancelledError:
                pass
        assert cm.expired()
        assert me.cancelling() == 0
        await asyncio.sleep(0)
        return "survived"

    assert asyncio.run(main()) == "survived"


def test_timeout_error_raised_by_the_block_passes_through():
    async def main():
        mine = TimeoutError("mine")
        with pytest.raises(TimeoutError) as info:
            async with asyncio.timeout(10) as cm:
                raise mine
        assert info.value is mine
        assert not cm.expired()

    asyncio.run(main())


# --- outside cancellation ------------------------------------------------------------

def test_outside_cancel_during_timeout_stays_cancelled_error():
    seen = []

    async def guarded():
        try:
            async with asyncio.timeout(10) as cm:
                await forever()
        except asyncio.CancelledError:
            seen.append((cm.expired(), asyncio.current_task().cancelling()))
            raise

    async def main():
        task = asyncio.create_task(guarded())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert task.cancelling() == 1

    asyncio.run(main())
    assert seen == [(False, 1)]


def test_outside_cancel_and_expiry_at_once_is_a_cancellation():
    seen = []

    async def guarded(cms):
        try:
            async with asyncio.timeout(0.02) as cm:
                cms.append(cm)
                await forever()
        except asyncio.CancelledError:
            seen.append((cm.expired(), asyncio.current_task().cancelling()))
            raise

    async def main():
        loop = asyncio.get_running_loop()
        cms = []
        task = asyncio.create_task(guarded(cms))
        await asyncio.sleep(0)
        # The outside cancel is due at the very time the deadline is.
        loop.call_at(cms[0].when(), task.cancel)
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelling() == 1

    asyncio.run(main())
    assert seen == [(True, 1)]


def test_self_cancel_inside_timeout_block_is_a_cancellation():
    async def main():
        me = asyncio.current_task()
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(10) as cm:
                me.cancel()
                await asyncio.sleep(0)
        assert not cm.expired()
        assert me.uncancel() == 0

    asyncio.run(main())


# --- nesting -----------------------------------------------------------------------

def test_nested_outer_expires_first():
    inner_saw = []

    async def main():
        me = asyncio.current_task()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01) as outer:
                try:
                    async with asyncio.timeout(10) as inner:
                        await forever()
                except asyncio.CancelledError:
                    inner_saw.append("CancelledError")
                    raise
        assert outer.expired()
        assert not inner.expired()
        assert me.cancelling() == 0

    asyncio.run(main())
    assert inner_saw == ["CancelledError"]


def test_nested_inner_expires_only():
    async def main():
        me = asyncio.current_task()
        async with asyncio.timeout(10) as outer:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.01) as inner:
                    await forever()
            assert me.cancelling() == 0
            await asyncio.sleep(0)
        assert inner.expired()
        assert not outer.expired()
        assert me.cancelling() == 0

    asyncio.run(main())


def test_nested_both_expire_outermost_reports():
    inner_saw = []

    async def main():
        loop = asyncio.get_running_loop()
        me = asyncio.current_task()
        when = loop.time() + 0.01
        with pytest.raises(TimeoutError):
            async with asyncio.timeout_at(when) as outer:
                try:
                    async with asyncio.timeout_at(when) as inner:
                        await forever()
                except asyncio.CancelledError:
                    inner_saw.append(me.cancelling())
                    raise
        assert outer.expired() and inner.expired()
        assert me.cancelling() == 0

    asyncio.run(main())
    assert inner_saw == [1]


def test_nested_same_object_cannot_be_reentered():
    async def main():
        cm = asyncio.timeout(10)
        async with cm:
            with pytest.raises(RuntimeError, match="Timeout has already been entered"):
                async with cm:
                    pass  # pragma: no cover
        with pytest.raises(RuntimeError, match="Timeout has already been entered"):
            async with cm:
                pass  # pragma: no cover

    asyncio.run(main())


# --- reschedule --------------------------------------------------------------------

def test_reschedule_before_entry_is_an_error():
    cm = asyncio.Timeout(None)
    with pytest.raises(RuntimeError, match="Timeout has not been entered"):
        cm.reschedule(10)
    assert cm.when() is None


def test_reschedule_later_and_to_none():
    async def main():
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(0.01) as cm:
            cm.reschedule(loop.time() + 10)
            await asyncio.sleep(0.03)
        assert not cm.expired()

        async with asyncio.timeout(0.01) as cm:
            cm.reschedule(None)
            assert cm.when() is None
            await asyncio.sleep(0.03)
        assert not cm.expired()

    asyncio.run(main())


def test_reschedule_earlier_and_from_none():
    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(10) as cm:
                new = loop.time() + 0.01
                cm.reschedule(new)
                assert cm.when() == new
                await forever()
        assert cm.expired()

        with pytest.raises(TimeoutError):
            async with asyncio.timeout(None) as cm:
                cm.reschedule(loop.time() + 0.01)
                await forever()
        assert cm.expired()

    asyncio.run(main())


def test_reschedule_into_the_past_fires_on_next_iteration():
    steps = []

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(10) as cm:
                cm.reschedule(loop.time() - 1)
                steps.append("rescheduled")
                await asyncio.sleep(0)
                steps.append("not reached")  # pragma: no cover
        assert cm.expired()

    asyncio.run(main())
    assert steps == ["rescheduled"]


def test_reschedule_after_exit_is_an_error():
    async def main():
        async with asyncio.timeout(10) as cm:
            pass
        with pytest.raises(RuntimeError, match="Cannot change state of finished Timeout"):
            cm.reschedule(None)

        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0) as cm:
                await forever()
        with pytest.raises(RuntimeError, match="Cannot change state of expired Timeout"):
            cm.reschedule(None)

    asyncio.run(main())


def test_reschedule_while_expiring_is_an_error():
    async def main():
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0) as cm:
                try:
                    await forever()
                except asyncio.CancelledError:
                    with pytest.raises(RuntimeError, match="expiring"):
                        cm.reschedule(None)
                    raise

    asyncio.run(main())


# --- where it can be used ----------------------------------------------------------

def test_entering_outside_a_task_is_an_error():
    outcome = []

    def callback():
        cm = asyncio.Timeout(None)
        enter = cm.__aenter__()
        try:
            enter.send(None)
        except RuntimeError as exc:
            outcome.append(str(exc))
        finally:
            enter.close()
        outcome.append(repr(cm))

    async def main():
        asyncio.get_running_loop().call_soon(callback)
        await asyncio.sleep(0.01)

    asyncio.run(main())
    assert outcome == ["Timeout should be used inside a task", "<Timeout [created]>"]


def test_timeout_inside_a_plain_run_until_complete_task():
    async def main():
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await forever()
        return "ok"

    assert run_in_new_loop(main) == "ok"


def test_timeout_and_wait_for_together():
    async def main():
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(10):
                await asyncio.wait_for(forever(), 0.01)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await asyncio.wait_for(forever(), 10)
        assert asyncio.current_task().cancelling() == 0

    asyncio.run(main())


def test_names_where_311_code_looks():
    import asyncio.timeouts
    from asyncio import timeouts

    assert timeouts is asyncio.timeouts
    assert asyncio.timeouts.Timeout is asyncio.Timeout
    assert asyncio.timeouts.timeout is asyncio.timeout
    assert asyncio.timeouts.timeout_at is asyncio.timeout_at
    for name in ("Timeout", "timeout", "timeout_at"):
        assert name in asyncio.__all__


def test_timeout_can_be_subclassed():
    # 3.14 dropped @final from Timeout; the class always allowed it at run time.
    class Recording(asyncio.Timeout):
        def __init__(self, when):
            super().__init__(when)
            self.exits = []

        async def __aexit__(self, exc_type, exc, tb):
            self.exits.append(exc_type)
            return await super().__aexit__(exc_type, exc, tb)

    async def main():
        deadline = Recording(asyncio.get_running_loop().time() + 0.01)
        with pytest.raises(TimeoutError):
            async with deadline:
                await forever()
        return deadline

    deadline = asyncio.run(main())
    assert deadline.expired()
    assert deadline.exits == [asyncio.CancelledError]
    assert repr(deadline) == "<Timeout [expired]>"
