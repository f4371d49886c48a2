"""Processes and threads: spawned children, a loop per thread, thread-safe futures.

Children started with the ``spawn`` method are new interpreters: the .pth
patches their asyncio too, with no environment variable needed.
"""

import asyncio
import concurrent.futures
import json
import sys
import threading
import time

import pytest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import clean_env, run_python

PATCHED = sys.version_info < (3, 11)

SPAWNING_PROGRAM = '''
import asyncio
import concurrent.futures
import json
import multiprocessing
import os

import taskgroup_patch


def report(label):
    """Runs in a spawned child: a 3.11-style program, and what it ran on."""
    async def main():
        async with asyncio.TaskGroup() as group:
            task = group.create_task(asyncio.sleep(0, "ran"))
        try:
            async with asyncio.timeout(0.001):
                await asyncio.sleep(1)
        except TimeoutError:
            pass
        return task.result()

    return {
        "label": label,
        "pid_differs": os.getpid() != int(os.environ["PARENT_PID"]),
        "patched": "asyncio.TaskGroup" in taskgroup_patch.installed(),
        "env": os.environ.get("TASKGROUP_PATCH"),
        "result": asyncio.run(main()),
    }


async def fan_out(pool):
    loop = asyncio.get_running_loop()

    async def in_child(label):
        return await loop.run_in_executor(pool, report, label)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(in_child("run_in_executor %d" % n)) for n in range(2)]
    return [t.result() for t in tasks]


if __name__ == "__main__":
    os.environ["PARENT_PID"] = str(os.getpid())
    spawn = multiprocessing.get_context("spawn")
    results = []
    with spawn.Pool(1) as pool:
        results.append(pool.apply(report, ("Pool",)))
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=spawn) as executor:
        results.append(executor.submit(report, "ProcessPoolExecutor").result(timeout=60))
        results.extend(asyncio.run(fan_out(executor)))
    print(json.dumps(results))
'''


def test_spawned_children_see_the_patched_asyncio(tmp_path):
    script = tmp_path / "spawning.py"
    script.write_text(SPAWNING_PROGRAM)
    result = run_python("-W", "error", str(script), env=clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    reports = json.loads(result.stdout)
    assert [r["label"] for r in reports] == [
        "Pool", "ProcessPoolExecutor", "run_in_executor 0", "run_in_executor 1"]
    for report in reports:
        assert report == dict(report, pid_differs=True, patched=PATCHED, env=None,
                              result="ran")


def test_an_event_loop_per_thread():
    async def work(n):
        me = asyncio.current_task()
        async with asyncio.TaskGroup() as group:
            parts = [group.create_task(asyncio.sleep(0.001 * k, n * k)) for k in range(3)]
        try:
            async with asyncio.timeout(0.005):
                await asyncio.sleep(1)
        except TimeoutError:
            pass
        me.cancel()
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            me.uncancel()
        return [p.result() for p in parts], me.cancelling(), threading.get_ident()

    results = {}
    errors = []
    start = threading.Barrier(4)

    def thread_main(n):
        try:
            start.wait(timeout=10)
            results[n] = asyncio.run(work(n))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert {n: r[:2] for n, r in results.items()} == {
        n: ([0, n, 2 * n], 0) for n in range(4)}
    assert len({r[2] for r in results.values()}) == 4


@pytest.fixture
def loop_in_thread():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        yield loop
    finally:
        async def cancel_leftovers():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_leftovers(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_run_coroutine_threadsafe_timeout_is_builtin_timeout_error(loop_in_thread):
    future = asyncio.run_coroutine_threadsafe(asyncio.sleep(10), loop_in_thread)
    started = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        future.result(timeout=0.01)
    assert time.monotonic() - started < 5
    # The class old code catches is the same one.
    assert isinstance(caught.value, concurrent.futures.TimeoutError)
    assert isinstance(caught.value, asyncio.TimeoutError)
    assert future.cancel()


def test_coroutines_from_another_thread_use_taskgroup_and_timeout(loop_in_thread):
    async def job(n):
        async with asyncio.TaskGroup() as group:
            a = group.create_task(asyncio.sleep(0.001, n))
            b = group.create_task(asyncio.sleep(0.002, n * 10))
        return a.result() + b.result()

    async def too_slow():
        async with asyncio.timeout(0.01):
            await asyncio.sleep(10)

    futures = [asyncio.run_coroutine_threadsafe(job(n), loop_in_thread) for n in range(5)]
    assert [f.result(timeout=10) for f in futures] == [11 * n for n in range(5)]
    # The TimeoutError raised in the loop's thread reaches this one as it is.
    with pytest.raises(TimeoutError):
        asyncio.run_coroutine_threadsafe(too_slow(), loop_in_thread).result(timeout=10)


def test_blocking_calls_in_executor_threads_under_a_timeout():
    release = threading.Event()

    async def main():
        loop = asyncio.get_running_loop()
        async with asyncio.TaskGroup() as group:
            quick = group.create_task(_in_executor(loop, time.sleep, 0.001))
        assert quick.result() is None
        timed_out = False
        try:
            async with asyncio.timeout(0.01):
                await loop.run_in_executor(None, release.wait, 10)
        except TimeoutError:
            timed_out = True
        release.set()  # the thread itself cannot be cancelled: let it finish
        return timed_out

    # asyncio.run() joins the default executor's threads on the way out.
    assert asyncio.run(main()) is True


async def _in_executor(loop, fn, *args):
    return await loop.run_in_executor(None, fn, *args)
