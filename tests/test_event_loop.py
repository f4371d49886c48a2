"""asyncio.EventLoop, 3.13's name for the loop class new_event_loop() makes."""

import asyncio
import subprocess
import sys

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import clean_env, run_python

UNPATCHED_311_312 = sys.version_info[:2] in ((3, 11), (3, 12))
needs_event_loop = pytest.mark.skipif(
    UNPATCHED_311_312, reason="new in 3.13; unpatched 3.11/3.12 lack it")

IN_A_CHILD = """
import asyncio, sys
loop = asyncio.new_event_loop()
loop.close()
platform_events = asyncio.windows_events if sys.platform == "win32" else asyncio.unix_events
print(type(loop) is asyncio.EventLoop is platform_events.EventLoop,
      "EventLoop" in asyncio.__all__)
"""


@needs_event_loop
def test_it_is_the_default_loop_class():
    loop = asyncio.new_event_loop()
    try:
        assert type(loop) is asyncio.EventLoop
    finally:
        loop.close()
    platform_events = asyncio.windows_events if sys.platform == "win32" else asyncio.unix_events
    assert platform_events.EventLoop is asyncio.EventLoop
    assert "EventLoop" in asyncio.__all__
    assert "EventLoop" in platform_events.__all__


@pytest.mark.parametrize("setting", [
    pytest.param(None, marks=needs_event_loop),
    "1",  # TASKGROUP_PATCH=1 gives it on 3.11 and 3.12 too
])
def test_in_a_child_by_default_and_when_opted_in(setting):
    result = run_python(code=IN_A_CHILD, env=clean_env(TASKGROUP_PATCH=setting))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


@needs_event_loop
def test_star_import_finds_it():
    namespace = {}
    exec("from asyncio import *", namespace)
    assert namespace["EventLoop"] is asyncio.EventLoop


@needs_event_loop
def test_as_a_loop_factory():
    async def main():
        return type(asyncio.get_running_loop())

    assert asyncio.run(main(), loop_factory=asyncio.EventLoop) is asyncio.EventLoop
    with asyncio.Runner(loop_factory=asyncio.EventLoop) as runner:
        assert runner.run(main()) is asyncio.EventLoop


@needs_event_loop
def test_it_can_be_subclassed():
    class Counting(asyncio.EventLoop):
        scheduled = 0

        def call_soon(self, *args, **kwargs):
            Counting.scheduled += 1
            return super().call_soon(*args, **kwargs)

    async def main():
        await asyncio.sleep(0)

    asyncio.run(main(), loop_factory=Counting)
    assert Counting.scheduled > 0


@needs_event_loop
@pytest.mark.skipif(sys.platform == "win32", reason="subprocess loop on Unix")
def test_it_runs_subprocesses():
    async def main():
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "print('child')", stdout=subprocess.PIPE)
        out, _ = await proc.communicate()
        return out

    assert asyncio.run(main(), loop_factory=asyncio.EventLoop).strip() == b"child"
