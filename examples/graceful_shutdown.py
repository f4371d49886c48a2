"""Graceful Ctrl-C: workers in a TaskGroup, shut down by asyncio.Runner.

On Ctrl-C, Runner cancels the main task instead of letting KeyboardInterrupt
tear through whatever await it hits.  The cancellation reaches the TaskGroup,
which cancels every worker and waits for them; the cleanup code runs (awaits
included, under a deadline), and only then does runner.run() raise
KeyboardInterrupt.  A second Ctrl-C interrupts at once.

    python examples/graceful_shutdown.py      # then press Ctrl-C
"""

import asyncio
import sys
from typing import List

WORKERS = 3


async def produce(jobs: "asyncio.Queue[int]") -> None:
    number = 0
    while True:
        await jobs.put(number)
        number += 1
        await asyncio.sleep(0.01)


async def handle(job: int) -> None:
    await asyncio.sleep(0.02)  # the real work


async def work(name: str, jobs: "asyncio.Queue[int]", stopped: List[str]) -> None:
    try:
        while True:
            job = await jobs.get()
            try:
                await handle(job)
            finally:
                jobs.task_done()
    finally:
        # Runs when the group cancels this worker: release what it holds.
        stopped.append(name)


async def save_state(jobs: "asyncio.Queue[int]") -> None:
    await asyncio.sleep(0.01)  # e.g. write the unfinished jobs somewhere
    print("state saved", flush=True)


async def serve() -> None:
    jobs: "asyncio.Queue[int]" = asyncio.Queue(maxsize=10)
    stopped: List[str] = []
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(produce(jobs))
            for n in range(WORKERS):
                group.create_task(work("worker-%d" % n, jobs, stopped))
            print("serving with %d workers; press Ctrl-C to stop" % WORKERS, flush=True)
    finally:
        # The group has cancelled and awaited every task by now.
        print("stopped:", ", ".join(sorted(stopped)), flush=True)
        # Awaiting still works here; give the cleanup a deadline.
        async with asyncio.timeout(5):
            await save_state(jobs)


def main() -> int:
    with asyncio.Runner() as runner:
        try:
            runner.run(serve())
        except KeyboardInterrupt:
            print("interrupted: shut down cleanly")
            return 130  # the usual exit status after Ctrl-C
    return 0


if __name__ == "__main__":
    sys.exit(main())
