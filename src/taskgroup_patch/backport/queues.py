"""Queue shutdown (3.13) for asyncio's queues on 3.8-3.12.

``Queue.shutdown(immediate=False)`` makes later puts, and gets from the
emptied queue, raise ``QueueShutDown``, and wakes every put() and get()
that waits.  The queue classes stay the interpreter's own (``loop=`` on
3.8/3.9 keeps working, subclasses keep their overrides): taskgroup_patch._patch
makes the CHANGES below to ``Queue`` when a program first looks a queue class
or QueueShutDown up, and ``PriorityQueue`` and ``LifoQueue`` inherit them.  A queue that is
never shut down behaves as before, at the cost of one flag test per put or get.
"""

import asyncio.queues
import sys

__all__ = ("QueueShutDown",)

# The interpreter's classes, which CHANGES changes (the other two inherit it).
Queue = asyncio.queues.Queue
PriorityQueue = asyncio.queues.PriorityQueue
LifoQueue = asyncio.queues.LifoQueue
_format_before_shutdown = Queue._format


class QueueShutDown(Exception):
    """Raised when putting on to or getting from a shut-down Queue."""


if sys.version_info >= (3, 10):
    def _new_waiter(queue):
        return queue._get_loop().create_future()
else:
    def _new_waiter(queue):
        return queue._loop.create_future()


async def put(self, item):
    """Put an item into the queue, waiting while it is full.

    Raises QueueShutDown if the queue has been shut down.
    """
    while self.full():
        if self._is_shutdown:
            raise QueueShutDown
        putter = _new_waiter(self)
        self._putters.append(putter)
        try:
            await putter
        except BaseException:
            putter.cancel()  # in case it is still pending
            try:
                self._putters.remove(putter)
            except ValueError:
                pass  # get_nowait() or shutdown() took it out when waking it
            if not self.full() and not putter.cancelled():
                # Woken for a free slot this put will not take: pass it on.
                self._wakeup_next(self._putters)
            raise
    return self.put_nowait(item)


def put_nowait(self, item):
    """Put an item into the queue if a slot is free, else raise QueueFull.

    Raises QueueShutDown if the queue has been shut down.
    """
    if self._is_shutdown:
        raise QueueShutDown
    if self.full():
        raise asyncio.queues.QueueFull
    self._put(item)
    self._unfinished_tasks += 1
    self._finished.clear()
    self._wakeup_next(self._getters)


async def get(self):
    """Remove and return an item from the queue, waiting while it is empty.

    Raises QueueShutDown once the queue has been shut down and is empty (at
    once if it was shut down with immediate=True, which empties it).
    """
    while self.empty():
        if self._is_shutdown:
            raise QueueShutDown
        getter = _new_waiter(self)
        self._getters.append(getter)
        try:
            await getter
        except BaseException:
            getter.cancel()  # in case it is still pending
            try:
                self._getters.remove(getter)
            except ValueError:
                pass  # put_nowait() or shutdown() took it out when waking it
            if not self.empty() and not getter.cancelled():
                # Woken for an item this get will not take: pass it on.
                self._wakeup_next(self._getters)
            raise
    return self.get_nowait()


def get_nowait(self):
    """Remove and return an item if one is there, else raise QueueEmpty.

    Raises QueueShutDown instead once the queue has been shut down.
    """
    if self.empty():
        if self._is_shutdown:
            raise QueueShutDown
        raise asyncio.queues.QueueEmpty
    item = self._get()
    self._wakeup_next(self._putters)
    return item


def shutdown(self, immediate=False):
    """Shut the queue down: put() and put_nowait() raise QueueShutDown from now on.

    get() and get_nowait() raise it too once the queue is empty; with
    *immediate* true the queue is emptied now, each item it held counting as
    done for join().  Every put() and get() that waits wakes up.
    """
    self._is_shutdown = True
    if immediate:
        while not self.empty():
            self._get()
            if self._unfinished_tasks > 0:
                self._unfinished_tasks -= 1
        if self._unfinished_tasks == 0:
            self._finished.set()
    # Woken, they look at the queue again and raise if they must.
    for waiters in (self._getters, self._putters):
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)


# The helpers put() and get() call for every item, as the interpreter's own
# (the same on 3.8-3.12), here so that an item stays in this module's
# namespace: on 3.8 and 3.9 each call that crosses into another module looks
# its builtins up again, which made put() then get() 7 % slower there (1.3k
# instructions an item, measured).  PriorityQueue and LifoQueue keep their own
# _put() and _get(); subclasses' overrides win, as put() and get() call them
# through self.

def qsize(self):
    """Number of items in the queue."""
    return len(self._queue)


def empty(self):
    """Return True if the queue holds no item."""
    return not self._queue


def full(self):
    """Return True if the queue holds maxsize items (never if maxsize <= 0)."""
    if self._maxsize <= 0:
        return False
    return self.qsize() >= self._maxsize


def _put(self, item):
    self._queue.append(item)


def _get(self):
    return self._queue.popleft()


def _wakeup_next(self, waiters):
    # The first waiter still pending gets the turn; cancelled ones are dropped.
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            break


def _format(self):
    text = _format_before_shutdown(self)
    if self._is_shutdown:
        text += " shutdown"
    return text


CHANGES = [
    (Queue, "_is_shutdown", False),  # until shutdown() sets it on the queue
    (Queue, "put", put),
    (Queue, "put_nowait", put_nowait),
    (Queue, "get", get),
    (Queue, "get_nowait", get_nowait),
    (Queue, "shutdown", shutdown),
    (Queue, "qsize", qsize),
    (Queue, "empty", empty),
    (Queue, "full", full),
    (Queue, "_put", _put),
    (Queue, "_get", _get),
    (Queue, "_wakeup_next", _wakeup_next),
    (Queue, "_format", _format),
    (asyncio.queues, "QueueShutDown", QueueShutDown),
    (asyncio.queues, "__all__", tuple(asyncio.queues.__all__) + ("QueueShutDown",)),
]
if sys.version_info < (3, 9):
    import typing

    # PEP 585's asyncio.Queue[int], as _patch gives asyncio.Future on 3.8.
    CHANGES.append((Queue, "__class_getitem__", classmethod(typing._GenericAlias)))
