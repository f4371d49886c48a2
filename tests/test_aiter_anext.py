"""The builtins aiter() and anext() (3.10), anext() with a default included."""

import asyncio
import sys
import types

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import clean_env, run_python


async def numbers(n):
    for i in range(n):
        yield i


class Countdown:
    """An asynchronous iterator written as a class."""

    def __init__(self, start):
        self.left = start

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.left <= 0:
            raise StopAsyncIteration
        self.left -= 1
        return self.left


def test_aiter_returns_the_async_iterator():
    generator = numbers(1)
    assert aiter(generator) is generator
    countdown = Countdown(1)
    assert aiter(countdown) is countdown

    async def main():
        return [i async for i in aiter(numbers(3))]

    assert asyncio.run(main()) == [0, 1, 2]


def test_aiter_refuses_what_is_not_async_iterable():
    with pytest.raises(TypeError, match="'int' object is not an async iterable"):
        aiter(1)

    class Broken:
        def __aiter__(self):
            return 1

    with pytest.raises(TypeError, match="aiter\\(\\) returned not an async iterator of type 'int'"):
        aiter(Broken())
    with pytest.raises(TypeError):
        aiter()
    with pytest.raises(TypeError):
        aiter(numbers(1), 2)


@pytest.mark.parametrize("make", [lambda: numbers(2), lambda: Countdown(2)])
def test_anext_with_and_without_default(make):
    async def main():
        iterator = make()
        first, second = await anext(iterator), await anext(iterator, "default")
        assert await anext(iterator, "default") == "default"
        with pytest.raises(StopAsyncIteration):
            await anext(iterator)
        return {first, second}

    assert asyncio.run(main()) == {0, 1}


def test_anext_refuses_what_is_not_an_async_iterator_at_the_call():
    with pytest.raises(TypeError, match="'list' object is not an async iterator"):
        anext([])
    with pytest.raises(TypeError):
        anext()
    with pytest.raises(TypeError):
        anext(numbers(1), 1, 2)
    generator = numbers(1)
    with pytest.raises(TypeError):
        anext(aiterator=generator)


def test_anext_default_passes_errors_and_throws_through():
    @types.coroutine
    def suspend(value):
        return (yield value)

    async def agen():
        try:
            await suspend("suspended")
        except KeyError:
            yield "handled"

    awaitable = anext(agen(), "default").__await__()
    assert awaitable.send(None) == "suspended"
    with pytest.raises(StopIteration) as stop:
        awaitable.throw(KeyError())
    assert stop.value.value == "handled"

    async def failing():
        raise LookupError("inside")
        yield

    async def main():
        with pytest.raises(LookupError, match="inside"):
            await anext(failing(), "default")

    asyncio.run(main())


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="3.10 has them natively")
def test_on_38_and_39_they_come_with_asyncio():
    result = run_python(code="""
        import builtins
        before = hasattr(builtins, "aiter"), hasattr(builtins, "anext")
        import asyncio
        print(before, aiter.__module__.startswith("taskgroup_patch."), anext.__name__)
    """)
    assert (result.stdout, result.stderr) == ("(False, False) True anext\n", "")
    result = run_python(code="import asyncio, builtins; print(hasattr(builtins, 'aiter'))",
                        env=clean_env(TASKGROUP_PATCH="0"))
    assert result.stdout == "False\n"


def test_taken_before_the_first_call_they_keep_working():
    # On 3.8 and 3.9 the first call puts the backport's functions in place of
    # what asyncio's import put into builtins: a reference taken before works.
    result = run_python(code="""
        import asyncio, builtins
        early_aiter, early_anext = aiter, anext
        async def numbers():
            yield 1
        async def main():
            iterator = early_aiter(numbers())
            print(await early_anext(iterator), await early_anext(iterator, "done"),
                  await anext(aiter(numbers())))
            try:
                early_anext(1)
            except TypeError as exc:
                print(exc)
        asyncio.run(main())
        print(builtins.aiter is aiter, builtins.anext is anext)
    """)
    assert (result.stdout, result.stderr) == (
        "1 done 1\n'int' object is not an async iterator\nTrue True\n", "")
