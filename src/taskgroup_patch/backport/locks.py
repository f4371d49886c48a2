"""asyncio.Barrier and asyncio.BrokenBarrierError, new in 3.11."""

import asyncio.locks

__all__ = ("Barrier",)


# A Barrier's states, named as its repr shows them.  Plain strings, not an
# Enum, for the reason given in timeouts.py: an Enum class costs ~45 us at
# every ``import asyncio``.
_FILLING = "filling"
_DRAINING = "draining"
_RESETTING = "resetting"
_BROKEN = "broken"


# asyncio.exceptions' name (_patch installs it there); it lives here, beside
# the only thing that raises it.
class BrokenBarrierError(RuntimeError):
    """Barrier is broken by barrier.abort() call."""

    __module__ = "asyncio.exceptions"


class Barrier:
    """Asyncio equivalent of threading.Barrier.

    Tasks block in wait() until *parties* of them are waiting; then all are
    released together, and the barrier can be used again.
    """

    # asyncio.locks.Barrier is this class once patched; repr and pickle agree.
    __module__ = "asyncio.locks"

    def __init__(self, parties: int) -> None:
        if parties < 1:
            raise ValueError("parties must be > 0")
        # Created on first use: on 3.8 and 3.9 a Condition binds to the
        # event loop current at construction, which may not be the one
        # that will run the tasks.
        self._cond = None
        self._parties = parties
        self._state = _FILLING
        self._count = 0

    def __repr__(self) -> str:
        extra = self._state
        if not self.broken:
            extra += ", waiters:%d/%d" % (self.n_waiting, self.parties)
        return "<%s.%s object at %#x [%s]>" % (
            type(self).__module__, type(self).__qualname__, id(self), extra)

    async def __aenter__(self) -> int:
        return await self.wait()

    async def __aexit__(self, *args) -> None:
        pass

    def _condition(self):
        if self._cond is None:
            self._cond = asyncio.locks.Condition()
        return self._cond

    async def wait(self) -> int:
        """Wait until all parties wait; return this task's index in 0..parties-1."""
        cond = self._condition()
        async with cond:
            # Tasks arriving while the barrier drains or resets wait their turn.
            await cond.wait_for(lambda: self._state not in (_DRAINING, _RESETTING))
            if self._state is _BROKEN:
                raise BrokenBarrierError("Barrier aborted")
            try:
                index = self._count
                self._count += 1
                if index + 1 == self._parties:
                    self._state = _DRAINING
                    cond.notify_all()
                else:
                    await cond.wait_for(lambda: self._state is not _FILLING)
                    if self._state in (_BROKEN, _RESETTING):
                        raise BrokenBarrierError("Abort or reset of barrier")
                return index
            finally:
                self._count -= 1
                if self._count == 0:
                    # The last task out lets the next round fill the barrier.
                    if self._state in (_RESETTING, _DRAINING):
                        self._state = _FILLING
                    cond.notify_all()

    async def reset(self) -> None:
        """Return the barrier to its empty state; waiting tasks get
        BrokenBarrierError."""
        cond = self._condition()
        async with cond:
            if self._count > 0:
                self._state = _RESETTING
            else:
                self._state = _FILLING
            cond.notify_all()

    async def abort(self) -> None:
        """Break the barrier: current and future wait() calls raise
        BrokenBarrierError."""
        cond = self._condition()
        async with cond:
            self._state = _BROKEN
            cond.notify_all()

    @property
    def parties(self) -> int:
        """The number of tasks required to trip the barrier."""
        return self._parties

    @property
    def n_waiting(self) -> int:
        """The number of tasks waiting at the barrier now."""
        if self._state is _FILLING:
            return self._count
        return 0

    @property
    def broken(self) -> bool:
        """True if the barrier is broken."""
        return self._state is _BROKEN
