"""asyncio's call graph (3.14): capture_call_graph(), format_call_graph(),
print_call_graph() and future_add/discard_from_awaited_by(), written from
CPython 3.14's Lib/asyncio/graph.py and its documentation."""

import asyncio
import dataclasses
import io
import re
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401

pytestmark = pytest.mark.skipif(
    not hasattr(asyncio, "capture_call_graph"),
    reason="asyncio's call graph is new in 3.14")


def names(graph):
    """(task name or 'F', [code names of its stack], sorted waiters), recursively."""
    future = graph.future
    label = future.get_name() if isinstance(future, asyncio.Task) else "F"
    stack = [entry.frame.f_code.co_name for entry in graph.call_stack]
    return (label, stack, sorted((names(waiter) for waiter in graph.awaited_by),
                                 key=lambda entry: entry[0]))


async def parked(future):
    await future


async def parked_deeper(future):
    await parked(future)


def test_outside_a_loop_it_needs_a_future():
    with pytest.raises(RuntimeError):
        asyncio.capture_call_graph()


def test_outside_a_loop_a_future_is_read_as_it_stands():
    loop = asyncio.new_event_loop()
    try:
        future = loop.create_future()
        graph = asyncio.capture_call_graph(future)
        assert graph.future is future
        assert graph.call_stack == () and graph.awaited_by == ()
    finally:
        loop.close()


def test_what_is_not_a_future_is_a_type_error():
    async def main():
        with pytest.raises(TypeError):
            asyncio.capture_call_graph(object())

    asyncio.run(main())


def test_from_a_plain_callback_there_is_no_current_task():
    async def main():
        loop = asyncio.get_running_loop()
        got = loop.create_future()
        loop.call_soon(lambda: got.set_result(
            (asyncio.capture_call_graph(), asyncio.format_call_graph())))
        return await got

    assert asyncio.run(main()) == (None, "")


def test_the_current_task_stack_runs_from_the_caller_down_to_the_tasks_coroutine():
    def helper():
        return asyncio.capture_call_graph()

    async def inner():
        return helper()

    async def outer():
        return await inner()

    async def main():
        return await asyncio.create_task(outer(), name="worker")

    graph = asyncio.run(main())
    assert names(graph)[:2] == ("worker", ["helper", "inner", "outer"])
    assert all(isinstance(entry, asyncio.FrameCallGraphEntry) for entry in graph.call_stack)


def test_depth_skips_frames_from_the_top():
    def helper():
        return asyncio.capture_call_graph(depth=2)

    async def inner():
        return helper()

    async def main():
        return await inner()

    assert names(asyncio.run(main()))[1] == ["inner", "main"]


def test_a_task_awaiting_a_task():
    async def main():
        future = asyncio.get_running_loop().create_future()
        inner = asyncio.create_task(parked_deeper(future), name="inner")
        outer = asyncio.create_task(parked(inner), name="outer")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        graph = asyncio.capture_call_graph(inner)
        future.set_result(None)
        await outer
        return graph

    assert names(asyncio.run(main())) == (
        "inner", ["parked", "parked_deeper"], [("outer", ["parked"], [])])


def test_a_future_awaited_by_two_tasks():
    async def main():
        future = asyncio.get_running_loop().create_future()
        a = asyncio.create_task(parked_deeper(future), name="a")
        b = asyncio.create_task(parked(future), name="b")
        await asyncio.sleep(0)
        graph = asyncio.capture_call_graph(future)
        future.set_result(None)
        await asyncio.gather(a, b)
        return graph

    assert names(asyncio.run(main())) == (
        "F", [], [("a", ["parked", "parked_deeper"], []), ("b", ["parked"], [])])


def test_taskgroup_children_are_awaited_by_the_task_running_the_group():
    async def main():
        future = asyncio.get_running_loop().create_future()
        async with asyncio.TaskGroup() as tg:
            child = tg.create_task(parked(future), name="child")
            await asyncio.sleep(0)
            graph = asyncio.capture_call_graph(child)
            future.set_result(None)
        return graph

    async def outer():
        asyncio.current_task().set_name("root")
        return await asyncio.create_task(main(), name="parent")

    # The parent runs (it captures), so its stack is its coroutine alone.
    assert names(asyncio.run(outer())) == (
        "child", ["parked"], [("parent", ["main"], [("root", ["outer"], [])])])


@pytest.mark.parametrize("how", ["gather", "shield", "wait", "wait_for", "timeout"])
def test_combinators_leave_the_child_awaited_by_their_caller(how):
    async def caller(child):
        if how == "gather":
            await asyncio.gather(child)
        elif how == "shield":
            await asyncio.shield(child)
        elif how == "wait":
            await asyncio.wait([child])
        elif how == "wait_for":
            await asyncio.wait_for(child, 10)
        else:
            async with asyncio.timeout(10):
                await child

    async def main():
        future = asyncio.get_running_loop().create_future()
        child = asyncio.create_task(parked(future), name="child")
        waiting = asyncio.create_task(caller(child), name="caller")
        for _ in range(3):
            await asyncio.sleep(0)
        graph = asyncio.capture_call_graph(child)
        future.set_result(None)
        await waiting
        return graph

    label, stack, awaited_by = names(asyncio.run(main()))
    assert (label, stack) == ("child", ["parked"])
    assert [(name, frames[-1]) for name, frames, _ in awaited_by] == [("caller", "caller")]


def test_limit_keeps_the_outermost_or_the_innermost_entries():
    def helper(limit):
        return asyncio.capture_call_graph(limit=limit)

    async def inner(limit):
        return helper(limit)

    async def main(limit):
        return await inner(limit)

    def stack(limit):
        return names(asyncio.run(main(limit)))[1]

    assert stack(None) == ["helper", "inner", "main"]
    assert stack(1) == ["main"]
    assert stack(-1) == ["helper"]
    assert stack(0) == []


def test_limit_on_a_future_that_is_not_running():
    async def main():
        future = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(parked_deeper(future), name="t")
        await asyncio.sleep(0)
        graphs = [asyncio.capture_call_graph(task, limit=limit) for limit in (1, -1, 0)]
        future.set_result(None)
        await task
        return [names(graph)[1] for graph in graphs]

    assert asyncio.run(main()) == [["parked_deeper"], ["parked"], []]


def test_format_and_print_call_graph():
    async def child():
        out = io.StringIO()
        asyncio.print_call_graph(file=out)
        return asyncio.format_call_graph(), out.getvalue()

    async def main():
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(child(), name="child")
        return task.result()

    text, printed = asyncio.run(main())
    # The same graph, captured from one line further down.
    assert re.sub(r"line \d+", "", printed) == re.sub(r"line \d+", "", text) + "\n"
    lines = text.splitlines()
    assert lines[0].startswith("* Task(name='child', id=0x")
    assert lines[1] == "  + Call stack:"
    assert lines[2].startswith("  |   File %r, line " % __file__)
    assert lines[2].endswith(", in async test_format_and_print_call_graph.<locals>.child()")
    assert lines[3] == "  + Awaited by:"
    assert lines[4].startswith("    * Task(name='Task-") and ", id=0x" in lines[4]
    assert lines[5] == "      + Call stack:"
    assert lines[-1].endswith(", in async test_format_and_print_call_graph.<locals>.main()")


def test_format_names_async_generators_and_plain_functions():
    def plain():
        return asyncio.format_call_graph(depth=1)

    async def agen():
        yield plain()

    async def main():
        async for text in agen():
            return text

    text = asyncio.run(main())
    assert "in test_format_names_async_generators_and_plain_functions.<locals>.plain()" in text
    assert ("in async generator "
            "test_format_names_async_generators_and_plain_functions.<locals>.agen()") in text


def test_a_future_is_printed_by_its_id():
    async def main():
        future = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(parked(future), name="waiter")
        await asyncio.sleep(0)
        text = asyncio.format_call_graph(future)
        future.set_result(None)
        await task
        return future, text

    future, text = asyncio.run(main())
    assert text.splitlines()[0] == "* Future(id=%#x)" % id(future)
    assert "* Task(name='waiter'" in text


def test_future_add_and_discard_from_awaited_by():
    async def main():
        loop = asyncio.get_running_loop()
        future, waiter = loop.create_future(), loop.create_future()
        asyncio.future_add_to_awaited_by(future, waiter)
        added = [graph.future for graph in asyncio.capture_call_graph(future).awaited_by]
        asyncio.future_discard_from_awaited_by(future, waiter)
        discarded = asyncio.capture_call_graph(future).awaited_by
        # Anything but two futures is ignored.
        asyncio.future_add_to_awaited_by(future, object())
        asyncio.future_discard_from_awaited_by(object(), waiter)
        return added == [waiter], discarded

    assert asyncio.run(main()) == (True, ())


def test_the_graph_types_are_frozen_dataclasses():
    graph = asyncio.FutureCallGraph(None, (), ())
    entry = asyncio.FrameCallGraphEntry(sys._getframe())
    for obj in (graph, entry):
        assert dataclasses.is_dataclass(obj)
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.frame = None
    assert entry.frame is sys._getframe()


def test_asyncio_graph_is_a_module_with_the_names():
    import asyncio.graph

    for name in ("capture_call_graph", "format_call_graph", "print_call_graph",
                 "FrameCallGraphEntry", "FutureCallGraph"):
        assert getattr(asyncio.graph, name) is getattr(asyncio, name)
        assert name in asyncio.graph.__all__ and name in asyncio.__all__
