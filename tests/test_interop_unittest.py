"""unittest.IsolatedAsyncioTestCase with plain asyncio.TaskGroup/timeout.

``Service`` runs twice: collected by pytest in this process, and under the
stdlib runner alone (``python -m unittest``) in a subprocess.
"""

import asyncio
import os
import unittest

from _asynciohelpers import no_asyncio_errors  # noqa: F401
from conftest import run_python


class Service(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.events = []
        async with asyncio.TaskGroup() as group:
            group.create_task(self.record("db"))
            group.create_task(self.record("cache"))
        self.addAsyncCleanup(self.shutdown)

    async def record(self, name):
        await asyncio.sleep(0)
        self.events.append(name)

    async def shutdown(self):
        async with asyncio.timeout(1):
            await asyncio.sleep(0)
        self.events.append("shutdown")

    async def test_setup_ran_in_a_group(self):
        self.assertEqual(sorted(self.events), ["cache", "db"])

    async def test_timeout(self):
        with self.assertRaises(TimeoutError):
            async with asyncio.timeout(0.01) as deadline:
                await asyncio.sleep(10)
        self.assertTrue(deadline.expired())

    async def test_group_error(self):
        async def boom():
            raise KeyError("gone")

        with self.assertRaises(ExceptionGroup) as caught:
            async with asyncio.TaskGroup() as group:
                group.create_task(boom())
                group.create_task(asyncio.sleep(10))
        self.assertEqual([type(e) for e in caught.exception.exceptions], [KeyError])

    async def test_task_counts_cancellations(self):
        task = asyncio.current_task()
        self.assertIsInstance(task, asyncio.Task)
        self.assertEqual(task.cancelling(), 0)
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await asyncio.sleep(1)
        self.assertEqual(task.uncancel(), 0)


def test_stdlib_runner_without_pytest():
    here = os.path.dirname(os.path.abspath(__file__))
    result = run_python("-W", "error", "-m", "unittest", "-v", "test_interop_unittest.Service",
                        cwd=here)
    assert result.returncode == 0, result.stderr
    assert "Ran 4 tests" in result.stderr
    assert result.stderr.rstrip().endswith("OK")
    assert result.stderr.count(" ... ok") == 4, result.stderr
