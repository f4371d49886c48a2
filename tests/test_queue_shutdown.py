"""Queue.shutdown() and asyncio.QueueShutDown (3.13), and Queue[int] (3.9)."""

import asyncio
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import clean_env, run_python

pytestmark = pytest.mark.skipif(
    (3, 11) <= sys.version_info < (3, 13),
    reason="3.13 API: native 3.11/3.12 lack it, and the package patches 3.8-3.10 by default")

QUEUE_CLASSES = ["Queue", "LifoQueue", "PriorityQueue"]


async def settle():
    # Enough loop iterations for every woken task to run.
    for _ in range(5):
        await asyncio.sleep(0)


def test_names_are_where_313_has_them():
    import asyncio.queues

    assert asyncio.QueueShutDown is asyncio.queues.QueueShutDown
    assert issubclass(asyncio.QueueShutDown, Exception)
    assert "QueueShutDown" in asyncio.__all__
    assert "QueueShutDown" in asyncio.queues.__all__
    assert asyncio.Queue is asyncio.queues.Queue
    for name in QUEUE_CLASSES:
        assert issubclass(getattr(asyncio, name), asyncio.Queue)
        assert name in dir(asyncio)


@pytest.mark.parametrize("name", QUEUE_CLASSES)
def test_subscripting_makes_a_generic_alias(name):
    cls = getattr(asyncio, name)
    alias = cls[int]
    assert alias.__origin__ is cls
    assert alias.__args__ == (int,)

    class IntQueue(cls[int]):
        pass

    assert issubclass(IntQueue, cls)


@pytest.mark.parametrize("name", QUEUE_CLASSES)
def test_put_and_get_after_shutdown(name):
    async def main():
        queue = getattr(asyncio, name)()
        await queue.put(1)
        queue.shutdown()
        assert "shutdown" in repr(queue)
        with pytest.raises(asyncio.QueueShutDown):
            queue.put_nowait(2)
        with pytest.raises(asyncio.QueueShutDown):
            await queue.put(2)
        # What was put before stays there to get.
        assert queue.get_nowait() == 1
        with pytest.raises(asyncio.QueueShutDown):
            queue.get_nowait()
        with pytest.raises(asyncio.QueueShutDown):
            await queue.get()

    asyncio.run(main())


def test_a_queue_that_is_not_shut_down_behaves_as_before():
    async def main():
        queue = asyncio.Queue(maxsize=1)
        assert repr(queue).endswith("maxsize=1>")
        queue.put_nowait("a")
        with pytest.raises(asyncio.QueueFull):
            queue.put_nowait("b")
        assert await queue.get() == "a"
        with pytest.raises(asyncio.QueueEmpty):
            queue.get_nowait()

    asyncio.run(main())


def test_shutdown_wakes_waiting_getters_and_putters():
    async def main():
        empty = asyncio.Queue()
        full = asyncio.Queue(maxsize=1)
        full.put_nowait("x")
        getters = [asyncio.create_task(empty.get()) for _ in range(3)]
        putters = [asyncio.create_task(full.put(i)) for i in range(3)]
        await settle()
        empty.shutdown()
        full.shutdown()
        results = await asyncio.gather(*getters, *putters, return_exceptions=True)
        assert all(type(result) is asyncio.QueueShutDown for result in results)
        # Not immediate: the item put before the shutdown can still be got.
        assert await full.get() == "x"

    asyncio.run(main())


def test_a_getter_woken_with_items_left_takes_one():
    async def main():
        queue = asyncio.Queue()
        getters = [asyncio.create_task(queue.get()) for _ in range(3)]
        await settle()
        queue.put_nowait("a")
        queue.put_nowait("b")
        queue.shutdown()
        results = await asyncio.gather(*getters, return_exceptions=True)
        assert sorted(r for r in results if isinstance(r, str)) == ["a", "b"]
        assert sum(type(r) is asyncio.QueueShutDown for r in results) == 1

    asyncio.run(main())


def test_immediate_shutdown_empties_the_queue_and_releases_join():
    async def main():
        queue = asyncio.Queue()
        for item in range(3):
            queue.put_nowait(item)
        assert queue.get_nowait() == 0  # got, not yet done
        joiner = asyncio.create_task(queue.join())
        await settle()
        queue.shutdown(immediate=True)
        assert queue.empty()
        await settle()
        assert not joiner.done()  # the item that was got is still unfinished
        queue.task_done()
        await asyncio.wait_for(joiner, 1)
        with pytest.raises(asyncio.QueueShutDown):
            queue.get_nowait()
        with pytest.raises(ValueError):
            queue.task_done()

    asyncio.run(main())


def test_shutdown_twice_and_immediately_after():
    async def main():
        queue = asyncio.Queue()
        queue.put_nowait(1)
        queue.shutdown()
        queue.shutdown()
        assert queue.qsize() == 1
        queue.shutdown(immediate=True)
        assert queue.qsize() == 0
        await asyncio.wait_for(queue.join(), 1)

    asyncio.run(main())


def test_a_cancelled_getter_does_not_swallow_a_wakeup():
    async def main():
        queue = asyncio.Queue()
        first = asyncio.create_task(queue.get())
        second = asyncio.create_task(queue.get())
        await settle()
        queue.put_nowait("item")  # wakes the first getter...
        first.cancel()  # ...which leaves before taking it
        assert await asyncio.wait_for(second, 1) == "item"
        with pytest.raises(asyncio.CancelledError):
            await first

    asyncio.run(main())


def test_subclass_overrides_and_shutdown():
    class Recording(asyncio.Queue):
        def __init__(self):
            super().__init__()
            self.seen = []

        async def get(self):
            item = await super().get()
            self.seen.append(item)
            return item

        def _put(self, item):
            super()._put(item * 10)

    async def main():
        queue = Recording()
        await queue.put(1)
        queue.shutdown()
        assert await queue.get() == 10
        with pytest.raises(asyncio.QueueShutDown):
            await queue.get()
        assert queue.seen == [10]

    asyncio.run(main())


def test_put_and_get_ask_the_subclass_whether_full_or_empty():
    # put(), get() and their _nowait forms decide through the queue's own
    # full(), empty() and qsize(): a subclass that redefines them is obeyed.
    class AtMostTwo(asyncio.Queue):  # bounded by full(), not maxsize
        def full(self):
            return len(self._queue) >= 2

    class TakesPairs(asyncio.Queue):  # a get waits until two items are in
        def empty(self):
            return len(self._queue) < 2

    class CountsTwice(asyncio.Queue):  # full() compares qsize() to maxsize
        def qsize(self):
            return 2 * len(self._queue)

    async def main():
        bounded = AtMostTwo()
        bounded.put_nowait(1)
        bounded.put_nowait(2)
        with pytest.raises(asyncio.QueueFull):
            bounded.put_nowait(3)
        putter = asyncio.create_task(bounded.put(3))
        await asyncio.sleep(0)
        assert not putter.done()
        assert bounded.get_nowait() == 1
        await asyncio.wait_for(putter, 1)
        assert [bounded.get_nowait(), bounded.get_nowait()] == [2, 3]

        pairs = TakesPairs()
        pairs.put_nowait("a")
        with pytest.raises(asyncio.QueueEmpty):
            pairs.get_nowait()
        getter = asyncio.create_task(pairs.get())
        await asyncio.sleep(0)
        assert not getter.done()
        await pairs.put("b")
        assert await asyncio.wait_for(getter, 1) == "a"

        twice = CountsTwice(maxsize=2)
        twice.put_nowait("x")
        assert twice.full()
        with pytest.raises(asyncio.QueueFull):
            twice.put_nowait("y")

    asyncio.run(main())


def test_priority_and_lifo_order_after_shutdown():
    async def main():
        priority, lifo = asyncio.PriorityQueue(), asyncio.LifoQueue()
        for item in (3, 1, 2):
            priority.put_nowait(item)
            lifo.put_nowait(item)
        priority.shutdown()
        lifo.shutdown()
        assert [priority.get_nowait() for _ in range(3)] == [1, 2, 3]
        assert [lifo.get_nowait() for _ in range(3)] == [2, 1, 3]

    asyncio.run(main())


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="loop= was removed in 3.10")
def test_loop_argument_keeps_working_on_38_and_39():
    loop = asyncio.new_event_loop()
    try:
        with pytest.warns(DeprecationWarning):
            queue = asyncio.Queue(loop=loop)

        async def main():
            queue.shutdown()
            with pytest.raises(asyncio.QueueShutDown):
                await queue.get()

        loop.run_until_complete(main())
    finally:
        loop.close()


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="the package is inactive by default on 3.11+")
def test_queues_are_loaded_on_first_use_only():
    # `import asyncio` must not pay for queue shutdown; a lookup in asyncio
    # brings it, to the classes wherever they are (asyncio.queues too).
    result = run_python(code="""
        import sys
        import asyncio, asyncio.queues
        print("taskgroup_patch.backport.queues" in sys.modules)
        from asyncio import LifoQueue
        print("taskgroup_patch.backport.queues" in sys.modules,
              hasattr(asyncio.queues.Queue(), "shutdown"))
    """)
    assert (result.stdout, result.stderr) == ("False\nTrue True\n", "")


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="the package is inactive by default on 3.11+")
@pytest.mark.parametrize("lookup", [
    "asyncio.Queue", "asyncio.PriorityQueue", "asyncio.QueueShutDown",
    "getattr(asyncio, 'LifoQueue')", "from asyncio import *",
])
def test_any_lookup_brings_shutdown(lookup):
    result = run_python(code="""
        import asyncio, asyncio.queues
        %s
        print(asyncio.queues.Queue.shutdown.__name__, asyncio.queues.QueueShutDown.__name__)
    """ % lookup)
    assert (result.stdout, result.stderr) == ("shutdown QueueShutDown\n", "")


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="the package is inactive by default on 3.11+")
def test_switched_off_the_queues_are_the_interpreters():
    result = run_python(code="""
        import asyncio
        print(hasattr(asyncio.Queue, "shutdown"), hasattr(asyncio, "QueueShutDown"))
    """, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("False False\n", "")
