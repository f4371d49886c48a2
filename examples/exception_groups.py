"""Handle a TaskGroup's ExceptionGroup on every Python 3.8+.

A TaskGroup raises all its tasks' errors together, as an ExceptionGroup.  On
3.11+ you can sort them with ``except* ValueError:``, but that is new syntax:
on 3.8-3.10 the file would not even compile.  ``ExceptionGroup.split()`` does
the same job on every version: it divides a group into the part that matches
a type and the rest, keeping the group's structure.  No import is needed:
ExceptionGroup is a builtin on 3.11+, and taskgroup-patch makes it one on
3.8-3.10 once asyncio has been imported.

    python examples/exception_groups.py
"""

import asyncio
from typing import Callable, Dict, List, Optional, Type

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


def handle(group: BaseExceptionGroup,
           handlers: Dict[Type[BaseException], Callable[[BaseExceptionGroup], None]],
           ) -> Optional[BaseExceptionGroup]:
    """Give each handler the part of *group* its type matches; return the rest.

    What ``except* ValueError: ...  except* OSError: ...`` does on 3.11+.
    """
    rest: Optional[BaseExceptionGroup] = group
    for kind, handler in handlers.items():
        if rest is None:
            break
        matched, rest = rest.split(kind)
        if matched is not None:
            handler(matched)
    return rest


def on_invalid(group: BaseExceptionGroup) -> None:
    print("  invalid:", describe(group))


def on_refused(group: BaseExceptionGroup) -> None:
    print("  refused:", describe(group))


async def main() -> None:
    print("all good:", await check_all(["alpha", "beta"]))

    # 1. Each handler gets the part of the group that matches its types.
    print("a handler per kind of error:")
    try:
        await check_all(["alpha", "no such host!", "blocked.example", "what?"])
    except ExceptionGroup as errors:
        rest = handle(errors, {ValueError: on_invalid, OSError: on_refused})
        if rest is not None:
            raise rest

    # 2. Errors that no handler matches propagate, still as a group.
    print("the rest goes on:")
    try:
        try:
            await check_all(["what?", "blocked.example", "beta"])
        except ExceptionGroup as errors:
            rest = handle(errors, {ValueError: on_invalid})
            if rest is not None:
                raise rest
    except ExceptionGroup as rest:
        print("  left over:", describe(rest))

    # 3. split() by hand.
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
