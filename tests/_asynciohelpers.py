"""Helpers shared by the asyncio behaviour tests (test_tasks, test_taskgroups,
test_timeouts, test_runners, test_barrier, test_timeout_errors).

Import ``no_asyncio_errors`` into a test module to make it autouse there:
anything asyncio reports at ERROR level ("Task was destroyed but it is
pending!", "Task exception was never retrieved", an unhandled error passed
to the default exception handler) and any "coroutine ... was never awaited"
warning fails the test.  A gc.collect() at teardown flushes objects that
die only with their reference cycles.
"""

import asyncio
import gc
import logging
import sys
import warnings

import pytest

# True where taskgroup_patch supplies the 3.11+ names (3.8-3.10).
PATCHED = sys.version_info < (3, 11)

class _ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _describe(record):
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += " [%r]" % (record.exc_info[1],)
    return text


@pytest.fixture(autouse=True)
def no_asyncio_errors():
    """Fail the test on asyncio ERROR logs and never-awaited coroutines."""
    handler = _ErrorRecords()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    try:
        yield handler
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gc.collect()
            gc.collect()
    finally:
        logger.removeHandler(handler)
    problems = [_describe(r) for r in handler.records]
    problems += [str(w.message) for w in caught
                 if issubclass(w.category, RuntimeWarning)
                 or "never awaited" in str(w.message)
                 or "never retrieved" in str(w.message)]
    if problems:
        pytest.fail("asyncio reported problems:\n  " + "\n  ".join(problems))


def run_in_new_loop(coro_fn, *, exception_handler=None, task_factory=None):
    """Run coro_fn() as a task in a fresh loop that is closed afterwards.

    Unlike asyncio.run(), this works the same on every interpreter whatever
    is being tested about Runner, and lets a test install an exception
    handler or a task factory first.
    """
    loop = asyncio.new_event_loop()
    try:
        if exception_handler is not None:
            loop.set_exception_handler(exception_handler)
        if task_factory is not None:
            loop.set_task_factory(task_factory)
        task = loop.create_task(coro_fn())
        return loop.run_until_complete(task)
    finally:
        try:
            _cancel_leftovers(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _cancel_leftovers(loop):
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


class Recorder:
    """A loop exception handler that records each context it is given."""

    def __init__(self):
        self.calls = []

    def __call__(self, loop, context):
        self.calls.append(context)

    @property
    def exceptions(self):
        return [c.get("exception") for c in self.calls]
