"""asyncio.Barrier and asyncio.BrokenBarrierError (new in 3.11)."""

import asyncio

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401

# Made at import time, with no event loop running: must still work later.
MODULE_BARRIER = asyncio.Barrier(2)


async def settle():
    # Enough loop iterations for every woken task to run.
    for _ in range(5):
        await asyncio.sleep(0)


def test_broken_barrier_error_is_a_runtime_error():
    assert issubclass(asyncio.BrokenBarrierError, RuntimeError)
    with pytest.raises(RuntimeError):
        raise asyncio.BrokenBarrierError("x")


@pytest.mark.parametrize("parties", [0, -1])
def test_parties_must_be_positive(parties):
    with pytest.raises(ValueError):
        asyncio.Barrier(parties)


def test_properties_and_repr():
    async def main():
        barrier = asyncio.Barrier(2)
        assert barrier.parties == 2
        assert barrier.n_waiting == 0
        assert not barrier.broken
        assert "filling, waiters:0/2" in repr(barrier)
        assert "Barrier object at 0x" in repr(barrier)

        waiter = asyncio.create_task(barrier.wait())
        await settle()
        assert barrier.n_waiting == 1
        assert "filling, waiters:1/2" in repr(barrier)
        assert await barrier.wait() in (0, 1)
        await waiter
        assert barrier.n_waiting == 0

        await barrier.abort()
        assert barrier.broken
        assert "[broken]" in repr(barrier)

    asyncio.run(main())


def test_wait_returns_distinct_indices():
    async def main():
        barrier = asyncio.Barrier(4)
        results = await asyncio.gather(*(barrier.wait() for _ in range(4)))
        assert sorted(results) == [0, 1, 2, 3]
        assert barrier.n_waiting == 0
        assert not barrier.broken

    asyncio.run(main())


def test_one_party_barrier_passes_at_once():
    async def main():
        barrier = asyncio.Barrier(1)
        assert await barrier.wait() == 0
        assert await barrier.wait() == 0

    asyncio.run(main())


def test_nobody_passes_until_all_arrive():
    async def main():
        barrier = asyncio.Barrier(3)
        passed = []

        async def party(name):
            await barrier.wait()
            passed.append(name)

        first = asyncio.create_task(party("a"))
        second = asyncio.create_task(party("b"))
        await settle()
        assert passed == []
        assert barrier.n_waiting == 2
        third = asyncio.create_task(party("c"))
        await asyncio.gather(first, second, third)
        assert sorted(passed) == ["a", "b", "c"]

    asyncio.run(main())


def test_reusable_for_several_rounds():
    async def main():
        barrier = asyncio.Barrier(3)
        rounds = 4
        seen = {i: [] for i in range(rounds)}

        async def party():
            for i in range(rounds):
                seen[i].append(await barrier.wait())

        async with asyncio.TaskGroup() as tg:
            for _ in range(3):
                tg.create_task(party())
        for i in range(rounds):
            assert sorted(seen[i]) == [0, 1, 2]
        assert barrier.n_waiting == 0
        assert not barrier.broken

    asyncio.run(main())


def test_async_with_gives_the_index():
    async def main():
        barrier = asyncio.Barrier(2)

        async def party():
            async with barrier as index:
                return index

        results = await asyncio.gather(party(), party())
        assert sorted(results) == [0, 1]

    asyncio.run(main())


def test_reset_breaks_waiters_then_barrier_is_usable():
    async def main():
        barrier = asyncio.Barrier(3)
        waiters = [asyncio.create_task(barrier.wait()) for _ in range(2)]
        await settle()
        assert barrier.n_waiting == 2
        await barrier.reset()
        results = await asyncio.gather(*waiters, return_exceptions=True)
        assert [type(r) for r in results] == [asyncio.BrokenBarrierError] * 2
        assert not barrier.broken
        assert barrier.n_waiting == 0
        # A fresh round works.
        results = await asyncio.gather(*(barrier.wait() for _ in range(3)))
        assert sorted(results) == [0, 1, 2]

    asyncio.run(main())


def test_reset_of_an_empty_barrier():
    async def main():
        barrier = asyncio.Barrier(2)
        await barrier.reset()
        assert not barrier.broken
        assert sorted(await asyncio.gather(barrier.wait(), barrier.wait())) == [0, 1]

    asyncio.run(main())


def test_abort_breaks_waiters_and_later_waits():
    async def main():
        barrier = asyncio.Barrier(3)
        waiters = [asyncio.create_task(barrier.wait()) for _ in range(2)]
        await settle()
        await barrier.abort()
        results = await asyncio.gather(*waiters, return_exceptions=True)
        assert [type(r) for r in results] == [asyncio.BrokenBarrierError] * 2
        assert barrier.broken
        with pytest.raises(asyncio.BrokenBarrierError):
            await barrier.wait()
        with pytest.raises(asyncio.BrokenBarrierError):
            async with barrier:
                pass  # pragma: no cover
        # reset() mends a broken barrier.
        await barrier.reset()
        assert not barrier.broken
        assert sorted(await asyncio.gather(*(barrier.wait() for _ in range(3)))) == [0, 1, 2]

    asyncio.run(main())


def test_cancelled_waiter_leaves_the_barrier():
    async def main():
        barrier = asyncio.Barrier(2)
        waiter = asyncio.create_task(barrier.wait())
        await settle()
        assert barrier.n_waiting == 1
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert barrier.n_waiting == 0
        assert sorted(await asyncio.gather(barrier.wait(), barrier.wait())) == [0, 1]

    asyncio.run(main())


def test_wait_with_timeout():
    async def main():
        barrier = asyncio.Barrier(2)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await barrier.wait()
        assert barrier.n_waiting == 0

    asyncio.run(main())


def test_barrier_made_outside_a_running_loop():
    async def main():
        return await asyncio.gather(MODULE_BARRIER.wait(), MODULE_BARRIER.wait())

    assert sorted(asyncio.run(main())) == [0, 1]


def test_names_where_311_code_looks():
    import asyncio.exceptions
    import asyncio.locks

    assert asyncio.locks.Barrier is asyncio.Barrier
    assert asyncio.exceptions.BrokenBarrierError is asyncio.BrokenBarrierError
    assert "Barrier" in asyncio.__all__
    assert "BrokenBarrierError" in asyncio.__all__
