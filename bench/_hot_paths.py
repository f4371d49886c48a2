"""Hot-path workloads for bench/run.py's instruction counts (issues 18 and 19).

    python bench/_hot_paths.py WORKLOAD N

Runs WORKLOAD once over N items in asyncio.run() and prints nothing.  run.py
counts the instructions of runs at N and 2N items under callgrind; their
difference over N is what one item costs, without start-up and exit.
"""

import sys

import asyncio


async def noop():
    pass


async def put_get(n):
    queue = asyncio.Queue()
    for i in range(n):
        await queue.put(i)
        await queue.get()


async def handoff(n):
    queue = asyncio.Queue(1)

    async def consume():
        for _ in range(n):
            await queue.get()

    consumer = asyncio.create_task(consume())
    for i in range(n):
        await queue.put(i)
    await consumer


async def done_tasks(n):
    # What as_completed() is measured over, without it: as_completed's own
    # cost per task is its count less this one's.
    tasks = [asyncio.create_task(noop()) for _ in range(n)]
    await asyncio.sleep(0)  # every task is done now
    return tasks


async def as_completed(n):
    for future in asyncio.as_completed(await done_tasks(n)):
        await future


async def create_gather(n):
    create_task = asyncio.create_task
    await asyncio.gather(*[create_task(noop()) for _ in range(n)])


WORKLOADS = {f.__name__: f for f in (put_get, handoff, done_tasks, as_completed, create_gather)}

if __name__ == "__main__":
    asyncio.run(WORKLOADS[sys.argv[1]](int(sys.argv[2])))
