"""Handle a TaskGroup's ExceptionGroup with except*, on every Python 3.8+.

A TaskGroup raises all its tasks' errors together, as an ExceptionGroup.
``except* ValueError:`` takes the part of the group that matches, and lets
the rest go on.  That is 3.11 syntax; with taskgroup-patch installed, scripts
and imported modules that use it run on 3.8-3.10 too.  The group's
``split()`` (last part) is what except* does underneath, and needs no new
syntax at all.  No import either: ExceptionGroup is a builtin on 3.11+, and
taskgroup-patch makes it one on 3.8-3.10 once asyncio has been imported.

    python examples/exception_groups.py
"""

import asyncio
from typing import List

BLOCKED = {"blocked.example"}


async def check(host: str) -> str:
    # Checks made before any I/O: tasks that fail here all fail in their
    # first step, before the group can cancel anyone, so it reports them
    # together.  (Once a task has failed, the group cancels the others.)
    if not host.replace("-", "").replace(".", "").isalnum():
        raise ValueError("%r: not a valid host name" % host)
    if host in BLOCKED:
        raise PermissionError("%s: blocked" % host)
    # The "network" part.
    await asyncio.sleep(0.01)
    if host.startswith("down"):
        raise ConnectionRefusedError("%s: connection refused" % host)
    if host.startswith("slow"):
        async with asyncio.timeout(0.01):
            await asyncio.sleep(10)
    return "%s: up" % host


async def check_all(hosts: List[str]) -> List[str]:
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(check(host)) for host in hosts]
    return [task.result() for task in tasks]


def describe(group: BaseExceptionGroup) -> List[str]:
    # The order of a group's errors is the order they happened in: sort them.
    return sorted(str(error) or type(error).__name__ for error in group.exceptions)


async def main() -> None:
    print("all good:", await check_all(["alpha", "beta"]))

    # 1. Each handler gets the part of the group that matches its types.
    print("except* with a handler per kind of error:")
    try:
        await check_all(["alpha", "no such host!", "blocked.example", "what?"])
    except* ValueError as invalid:
        print("  invalid:", describe(invalid))
    except* OSError as refused:
        print("  refused:", describe(refused))

    # 2. Errors that no handler matches go on, still as a group.
    print("except* lets the rest through:")
    try:
        try:
            await check_all(["what?", "blocked.example", "beta"])
        except* ValueError as invalid:
            print("  invalid:", describe(invalid))
    except ExceptionGroup as rest:
        print("  left over:", describe(rest))

    # 3. Without except*: split() the group by type.
    for hosts in (["slow-gamma", "alpha"], ["down-delta", "alpha"]):
        try:
            await check_all(hosts)
        except ExceptionGroup as errors:
            timeouts, others = errors.split(TimeoutError)
            if timeouts is not None:
                print("split(): %s timed out" % hosts[0])
            if others is not None:
                print("split(): other errors:", describe(others))


if __name__ == "__main__":
    asyncio.run(main())
