"""asyncio.to_thread() and the module asyncio.threads (3.9)."""

import asyncio
import contextvars
import threading

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401

VARIABLE = contextvars.ContextVar("variable", default="unset")


def test_runs_the_call_in_another_thread_and_returns_its_result():
    def work(a, b, *, c):
        return a + b + c, threading.get_ident()

    async def main():
        result, ident = await asyncio.to_thread(work, 1, 2, c=3)
        assert result == 6
        assert ident != threading.get_ident()

    asyncio.run(main())


def test_the_thread_sees_a_copy_of_the_callers_context():
    def work():
        seen = VARIABLE.get()
        VARIABLE.set("changed in the thread")
        return seen

    async def main():
        VARIABLE.set("set by the caller")
        assert await asyncio.to_thread(work) == "set by the caller"
        assert VARIABLE.get() == "set by the caller"

    asyncio.run(main())


def test_errors_of_the_call_are_raised_to_the_awaiting_task():
    def work():
        raise LookupError("from the thread")

    async def main():
        with pytest.raises(LookupError, match="from the thread"):
            await asyncio.to_thread(work)

    asyncio.run(main())


def test_func_and_keywords_named_func_pass_through():
    # func is positional-only: a keyword of that name goes to the call.
    def work(**kwargs):
        return kwargs

    async def main():
        assert await asyncio.to_thread(work, func=1) == {"func": 1}

    asyncio.run(main())


def test_needs_a_running_loop():
    coro = asyncio.to_thread(print)
    with pytest.raises(RuntimeError):
        coro.send(None)
    coro.close()


def test_the_module_asyncio_threads():
    import asyncio.threads
    from asyncio.threads import to_thread

    assert to_thread is asyncio.to_thread is asyncio.threads.to_thread
    assert asyncio.threads.__all__ == ("to_thread",)
    assert "to_thread" in asyncio.__all__
