"""Child side of bench/run.py: run one workload, measure it from inside.

    python bench/_child.py WORKLOAD '{"n": 10000, "reps": 5, ...}'

Prints one JSON line: the raw CPU times (seconds, time.process_time around
the workload only) or byte counts per variant, plus what this process is
(asyncio.Task's type, whether taskgroup_patch patched asyncio, library
versions).  run.py turns these into figures; nothing here computes ratios.

Variants of an in-process workload run interleaved (A, B, A, B...), each
after a gc.collect() that is not timed, with warm-up rounds first.
"""

import gc
import json
import sys
import time

import asyncio

pt = time.process_time


async def noop():
    pass


def _check_group(exc):
    """Re-raise *exc* unless it is the expected group of one ValueError."""
    if (type(exc).__name__ not in ("ExceptionGroup", "BaseExceptionGroup")
            or len(exc.exceptions) != 1 or type(exc.exceptions[0]) is not ValueError):
        raise exc


# --- one side per process: run.py pairs a patched child with a C-task child

async def create_gather(n, reps, warm, **_):
    create_task = asyncio.create_task
    gather = asyncio.gather
    out = []
    for i in range(warm + reps):
        gc.collect()
        t0 = pt()
        await gather(*[create_task(noop()) for _ in range(n)])
        dt = pt() - t0
        if i >= warm:
            out.append(dt)
    return {"self": out}


async def cancel(n, reps, warm, **_):
    create_task = asyncio.create_task
    sleep = asyncio.sleep
    out = []
    for i in range(warm + reps):
        event = asyncio.Event()
        tasks = [create_task(event.wait()) for _ in range(n)]
        await sleep(0)  # every task now waits on the event
        gc.collect()
        t0 = pt()
        for task in tasks:
            task.cancel()
        last = tasks[-1]
        while not last.done():
            await sleep(0)
        dt = pt() - t0
        if not all(task.cancelled() for task in tasks):
            raise AssertionError("not every task was cancelled")
        if i >= warm:
            out.append(dt)
    return {"self": out}


async def memory(n, warm_n, **_):
    import tracemalloc

    create_task = asyncio.create_task
    tracemalloc.start()

    async def pending(count):
        event = asyncio.Event()
        await asyncio.sleep(0)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        tasks = [create_task(event.wait()) for _ in range(count)]
        await asyncio.sleep(0)  # every task now waits on the event
        after = tracemalloc.get_traced_memory()[0]
        size = sys.getsizeof(tasks[0])
        event.set()
        await asyncio.gather(*tasks)
        return (after - before) / count, size

    await pending(warm_n)
    per_task, size = await pending(n)
    tracemalloc.stop()
    return {"self": [per_task], "sizeof": size}


async def queue_put_get(n, reps, warm, **_):
    # The queue methods that never wait: put() then get() n items.
    out = []
    for i in range(warm + reps):
        queue = asyncio.Queue()
        put, get = queue.put, queue.get
        gc.collect()
        t0 = pt()
        for item in range(n):
            await put(item)
        for _ in range(n):
            await get()
        dt = pt() - t0
        if i >= warm:
            out.append(dt)
    return {"self": out}


async def queue_handoff(n, reps, warm, **_):
    # n items through a queue of one slot: every put() and get() waits.
    async def produce(queue):
        for item in range(n):
            await queue.put(item)

    async def consume(queue):
        for _ in range(n):
            await queue.get()

    out = []
    for i in range(warm + reps):
        queue = asyncio.Queue(maxsize=1)
        gc.collect()
        t0 = pt()
        await asyncio.gather(produce(queue), consume(queue))
        dt = pt() - t0
        if i >= warm:
            out.append(dt)
    return {"self": out}


async def as_completed(n, reps, warm, **_):
    # n tasks, each awaited through as_completed() as 3.8-3.12 code does.
    create_task = asyncio.create_task
    out = []
    for i in range(warm + reps):
        tasks = [create_task(noop()) for _ in range(n)]
        await asyncio.sleep(0)  # every task is done
        gc.collect()
        t0 = pt()
        for next_done in asyncio.as_completed(tasks):
            await next_done
        dt = pt() - t0
        if i >= warm:
            out.append(dt)
    return {"self": out}


# --- several variants interleaved in one process

async def interleave(variants, reps, warm):
    """Run the variants in turn, warm + reps rounds; return their times.

    Odd rounds run them in reverse order (A B, B A, A B...).

    A variant that fails in its first round is dropped and reported under
    "skipped" (a library that does not work on this interpreter).
    """
    out = {name: [] for name, _ in variants}
    skipped = {}
    for i in range(max(warm, 1) + reps):
        # A run pays for what the run before it left behind: on 3.9, whatever
        # ran right after a gather of 10,000 tasks cost ~8% more than after a
        # task group.  In a fixed order the second variant would always pay.
        order = list(variants) if i % 2 == 0 else list(reversed(variants))
        for name, run in order:
            gc.collect()
            if i == 0:
                try:
                    dt = await run()
                except Exception as exc:
                    skipped[name] = "%s: %s" % (type(exc).__name__, _first_leaf(exc))
                    variants.remove((name, run))
                    del out[name]
                    continue
            else:
                dt = await run()
            if i >= max(warm, 1):
                out[name].append(dt)
    out["skipped"] = skipped
    return out


def _first_leaf(exc):
    while getattr(exc, "exceptions", None):
        exc = exc.exceptions[0]
    return "%s: %s" % (type(exc).__name__, exc) if exc is not None else ""


def _taskgroup_cls(impl):
    if impl == "asyncio":
        return asyncio.TaskGroup
    if impl == "backport":
        import taskgroup

        return taskgroup.TaskGroup
    raise ValueError(impl)


async def taskgroup(impls, n, reps, warm, **_):
    """n trivial tasks in a task group vs asyncio.gather of n coroutines."""
    gather = asyncio.gather

    async def run_gather():
        t0 = pt()
        await gather(*[noop() for _ in range(n)])
        return pt() - t0

    def make(impl):
        if impl == "anyio":
            import anyio

            create_task_group = anyio.create_task_group

            async def run():
                t0 = pt()
                async with create_task_group() as tg:
                    start_soon = tg.start_soon
                    for _ in range(n):
                        start_soon(noop)
                return pt() - t0
            return run
        TaskGroup = _taskgroup_cls(impl)

        async def run():
            t0 = pt()
            async with TaskGroup() as tg:
                create_task = tg.create_task
                for _ in range(n):
                    create_task(noop())
            return pt() - t0
        return run

    variants = [(impl, run_gather if impl == "gather" else make(impl)) for impl in impls]
    return await interleave(variants, reps, warm)


async def taskgroup_empty(impls, m, reps, warm, **_):
    """m empty task-group blocks, one after the other."""
    def make(impl):
        if impl == "anyio":
            import anyio

            factory = anyio.create_task_group
        else:
            factory = _taskgroup_cls(impl)

        async def run():
            t0 = pt()
            for _ in range(m):
                async with factory():
                    pass
            return pt() - t0
        return run

    class Trivial:
        async def __aenter__(self):
            return self

        async def __aexit__(self, *exc_info):
            return None

    async def run_trivial():
        # The floor: an async context manager that does nothing.
        t0 = pt()
        for _ in range(m):
            async with Trivial():
                pass
        return pt() - t0

    variants = [(impl, run_trivial if impl == "trivial" else make(impl)) for impl in impls]
    return await interleave(variants, reps, warm)


def _timeout_factory(impl):
    if impl == "asyncio":
        return asyncio.timeout, True
    if impl == "async_timeout":
        import async_timeout

        return async_timeout.timeout, True
    if impl == "backport":
        import taskgroup

        return taskgroup.timeout, True
    if impl == "anyio":
        import anyio

        return anyio.fail_after, False  # a plain (sync) context manager
    raise ValueError(impl)


async def timeout_empty(impls, m, reps, warm, **_):
    """m empty ``async with timeout(10)`` blocks."""
    def make(impl):
        factory, is_async = _timeout_factory(impl)
        if is_async:
            async def run():
                t0 = pt()
                for _ in range(m):
                    async with factory(10):
                        pass
                return pt() - t0
        else:
            async def run():
                t0 = pt()
                for _ in range(m):
                    with factory(10):
                        pass
                return pt() - t0
        return run

    return await interleave([(impl, make(impl)) for impl in impls], reps, warm)


async def timeout_fires(impls, m, delay, reps, warm, **_):
    """m timeouts that fire around ``await asyncio.sleep(1)``."""
    sleep = asyncio.sleep
    errors = (asyncio.TimeoutError, TimeoutError)

    def make(impl):
        if impl == "wait_for":
            wait_for = asyncio.wait_for

            async def run():
                t0 = pt()
                for _ in range(m):
                    try:
                        await wait_for(sleep(1), delay)
                    except errors:
                        pass
                    else:
                        raise AssertionError("wait_for did not time out")
                return pt() - t0
            return run
        factory, is_async = _timeout_factory(impl)
        if is_async:
            async def run():
                t0 = pt()
                for _ in range(m):
                    try:
                        async with factory(delay):
                            await sleep(1)
                    except errors:
                        pass
                    else:
                        raise AssertionError("%s did not time out" % impl)
                return pt() - t0
        else:
            async def run():
                t0 = pt()
                for _ in range(m):
                    try:
                        with factory(delay):
                            await sleep(1)
                    except errors:
                        pass
                    else:
                        raise AssertionError("%s did not time out" % impl)
                return pt() - t0
        return run

    return await interleave([(impl, make(impl)) for impl in impls], reps, warm)


async def taskgroup_failure(impls, n, reps, warm, **_):
    """n-1 tasks wait, one fails: cancel the others and raise.

    Each waiting task awaits a future of its own: n tasks sharing one
    asyncio.Event would make this figure measure Event.wait's
    ``deque.remove``, O(n) per cancelled waiter in a group's set order.
    Baseline "gather": asyncio.gather of the same n tasks, the last one
    resolving the others' futures instead of failing.
    """
    sleep = asyncio.sleep
    loop = asyncio.get_running_loop()
    create_future = loop.create_future

    async def wait():
        await create_future()

    async def fail():
        await sleep(0)
        raise ValueError("one task failed")

    def make(impl):
        if impl == "gather":
            gather = asyncio.gather

            async def run():
                futures = []
                append = futures.append

                async def wait_for_setter():
                    future = create_future()
                    append(future)
                    await future

                async def setter():
                    await sleep(0)
                    for future in futures:
                        future.set_result(None)

                t0 = pt()
                await gather(*[wait_for_setter() for _ in range(n - 1)], setter())
                return pt() - t0
            return run
        if impl == "anyio":
            import anyio

            create_task_group = anyio.create_task_group

            async def run():
                t0 = pt()
                try:
                    async with create_task_group() as tg:
                        start_soon = tg.start_soon
                        for _ in range(n - 1):
                            start_soon(wait)
                        start_soon(fail)
                except BaseException as exc:
                    _check_group(exc)
                else:
                    raise AssertionError("no ExceptionGroup")
                return pt() - t0
            return run
        TaskGroup = _taskgroup_cls(impl)

        async def run():
            t0 = pt()
            try:
                async with TaskGroup() as tg:
                    create_task = tg.create_task
                    for _ in range(n - 1):
                        create_task(wait())
                    create_task(fail())
            except BaseException as exc:
                _check_group(exc)
            else:
                raise AssertionError("no ExceptionGroup")
            return pt() - t0
        return run

    return await interleave([(impl, make(impl)) for impl in impls], reps, warm)


# --- eager tasks (3.12) and tasks given a context

async def returns_at_once():
    return None


async def suspends_once():
    await asyncio.sleep(0)


async def _eager_against_lazy(impls, coroutine, n, reps, warm):
    """n coroutines gathered, their tasks made by the eager factory or not."""
    loop = asyncio.get_running_loop()
    gather = asyncio.gather

    def variant(factory):
        async def run():
            loop.set_task_factory(factory)
            try:
                t0 = pt()
                await gather(*[coroutine() for _ in range(n)])
                return pt() - t0
            finally:
                loop.set_task_factory(None)
        return run

    factories = {"eager": asyncio.eager_task_factory, "lazy": None}
    return await interleave([(impl, variant(factories[impl])) for impl in impls], reps, warm)


async def eager_gather(impls, n, reps, warm, **_):
    """n coroutines that return without suspending, gathered."""
    return await _eager_against_lazy(impls, returns_at_once, n, reps, warm)


async def eager_suspend(impls, n, reps, warm, **_):
    """n coroutines that suspend once, gathered."""
    return await _eager_against_lazy(impls, suspends_once, n, reps, warm)


async def context_steps(n, reps, warm, **_):
    """n sleep(0) of the task asyncio.run() made, which runs in the runner's
    context: on 3.8-3.10 patched, a task given context=."""
    sleep = asyncio.sleep
    out = []
    for i in range(warm + reps):
        gc.collect()
        t0 = pt()
        for _ in range(n):
            await sleep(0)
        dt = pt() - t0
        if i >= warm:
            out.append(dt)
    return {"self": out}


WORKLOADS = {
    "create_gather": create_gather,
    "cancel": cancel,
    "memory": memory,
    "queue_put_get": queue_put_get,
    "queue_handoff": queue_handoff,
    "as_completed": as_completed,
    "taskgroup": taskgroup,
    "taskgroup_empty": taskgroup_empty,
    "timeout_empty": timeout_empty,
    "timeout_fires": timeout_fires,
    "taskgroup_failure": taskgroup_failure,
    "eager_gather": eager_gather,
    "eager_suspend": eager_suspend,
    "context_steps": context_steps,
}


def _about():
    try:
        import taskgroup_patch
    except ImportError:  # a bare interpreter, measured for reference
        taskgroup_patch = None

    versions = {}
    for name in ("taskgroup", "anyio", "async-timeout", "taskgroup-patch"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:
            versions[name] = None
    return {
        "task_type": "%s.%s" % (asyncio.Task.__module__, asyncio.Task.__qualname__),
        "patched": bool(taskgroup_patch and taskgroup_patch.installed()),
        "versions": versions,
    }


def main():
    workload = WORKLOADS[sys.argv[1]]
    params = json.loads(sys.argv[2])
    result = asyncio.run(workload(**params))
    result.update(_about())
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
