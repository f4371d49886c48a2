"""A Python 3.11-style asyncio program, unmodified, on 3.8-3.13.

With taskgroup-patch installed, the plain asyncio names below exist on
CPython 3.8, 3.9 and 3.10 too.  Run it with `python examples/quickstart.py`.
"""

import asyncio


async def fetch(name: str, delay: float) -> str:
    await asyncio.sleep(delay)
    if name == "broken":
        raise ConnectionError(f"{name}: connection refused")
    return f"{name}: ok"


async def fetch_all() -> None:
    # Structured concurrency: the group waits for every task it started.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(name, 0.01)) for name in ("alpha", "beta")]
    print("fetched:", ", ".join(task.result() for task in tasks))

    # A failing task cancels its siblings; all errors arrive together.
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(fetch("broken", 0.01))
            group.create_task(fetch("slow", 10))
    except ExceptionGroup as errors:
        print("failed:", [str(error) for error in errors.exceptions])


async def deadlines() -> None:
    # asyncio.timeout() turns the expiry into the builtin TimeoutError.
    try:
        async with asyncio.timeout(0.01) as deadline:
            await fetch("slow", 10)
    except TimeoutError:
        print("timeout expired:", deadline.expired())

    # So does wait_for(), and old `except asyncio.TimeoutError` code still works.
    try:
        await asyncio.wait_for(fetch("slow", 10), timeout=0.01)
    except TimeoutError:
        print("wait_for timed out")


async def cancel_and_recover() -> None:
    # cancelling()/uncancel(): a task can take back a cancellation it handled.
    task = asyncio.current_task()
    task.cancel()
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("cancel requests pending:", task.cancelling())
        task.uncancel()
    print("after uncancel:", task.cancelling())


def main() -> None:
    # Runner: one event loop for several top-level calls, from synchronous code.
    with asyncio.Runner() as runner:
        runner.run(fetch_all())
        runner.run(deadlines())
        runner.run(cancel_and_recover())


if __name__ == "__main__":
    main()
