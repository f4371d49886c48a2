"""unittest.IsolatedAsyncioTestCase as in 3.13, for 3.8-3.10.

3.11 rebuilt the class on asyncio.Runner: asyncSetUp(), the test method,
asyncTearDown() and each async cleanup run as tasks of their own, one after
the other, in one loop and one contextvars.Context, which setUp() and
tearDown() share too.  3.11 added enterAsyncContext(), 3.13 the class
attribute loop_factory (a loop for each test, made by a callable of yours,
such as one that installs asyncio.eager_task_factory).

METHODS are put into the interpreter's class itself (not a subclass), so that
classes derived from it before the patch get them too.  Two behaviours of
3.8-3.10 stay, since code written for them relies on them: a plain function
(a test, a cleanup) that returns an awaitable has it awaited, and a class
that sets its loop up itself by overriding the old private hook
_setupAsyncioLoop() keeps the old machinery, untouched.
"""

import asyncio
import contextvars
import inspect
import sys
import unittest
from unittest.async_case import IsolatedAsyncioTestCase

# The interpreter's methods, which a class keeping the old machinery runs
# (3.8's class has no debug() or __del__ of its own).
_OLD = {name: IsolatedAsyncioTestCase.__dict__.get(name) for name in (
    "__init__", "_setupAsyncioLoop", "_tearDownAsyncioLoop", "run", "debug", "__del__",
    "_callSetUp", "_callTestMethod", "_callTearDown", "_callCleanup", "_callAsync",
    "_callMaybeAsync")}


def _keeps_old_machinery(case):
    # Such a class made its loop and the task that runs every step itself.
    return type(case)._setupAsyncioLoop is not _OLD["_setupAsyncioLoop"]


def __init__(self, methodName="runTest"):
    _OLD["__init__"](self, methodName)
    self._asyncioRunner = None
    self._asyncioTestContext = contextvars.copy_context()


async def enterAsyncContext(self, cm):
    """Enter the asynchronous context manager *cm*; return what it returns.

    Its __aexit__ is added as an async cleanup, run after the test.
    """
    # The special methods are looked up on the type, as `async with` does.
    cls = type(cm)
    try:
        enter = cls.__aenter__
        exit = cls.__aexit__
    except AttributeError:
        raise TypeError("'%s.%s' object does not support the asynchronous context "
                        "manager protocol" % (cls.__module__, cls.__qualname__)) from None
    result = await enter(cm)
    self.addAsyncCleanup(exit, cm, None, None, None)
    return result


def _callSetUp(self):
    if self._asyncioRunner is None:
        return _OLD["_callSetUp"](self)
    # The loop exists, and is the current one, before setUp() runs: there
    # get_event_loop() returns it.
    self._asyncioTestLoop = self._asyncioRunner.get_loop()
    self._asyncioTestContext.run(self.setUp)
    self._callAsync(self.asyncSetUp)


def _callTestMethod(self, method):
    if self._asyncioRunner is None:
        return _OLD["_callTestMethod"](self, method)
    self._callMaybeAsync(method)


def _callTearDown(self):
    if self._asyncioRunner is None:
        return _OLD["_callTearDown"](self)
    self._callAsync(self.asyncTearDown)
    self._asyncioTestContext.run(self.tearDown)


def _callCleanup(self, function, *args, **kwargs):
    if self._asyncioRunner is None:
        return _OLD["_callCleanup"](self, function, *args, **kwargs)
    self._callMaybeAsync(function, *args, **kwargs)


def _callAsync(self, func, *args, **kwargs):
    if self._asyncioRunner is None:
        return _OLD["_callAsync"](self, func, *args, **kwargs)
    awaitable = func(*args, **kwargs)
    assert inspect.isawaitable(awaitable), "%r returned non-awaitable" % (func,)
    return self._asyncioRunner.run(awaitable, context=self._asyncioTestContext)


def _callMaybeAsync(self, func, *args, **kwargs):
    if self._asyncioRunner is None:
        return _OLD["_callMaybeAsync"](self, func, *args, **kwargs)
    if inspect.iscoroutinefunction(func):
        result = func(*args, **kwargs)
    else:
        result = self._asyncioTestContext.run(func, *args, **kwargs)
        if not inspect.isawaitable(result):
            return result
    return self._asyncioRunner.run(result, context=self._asyncioTestContext)


def _setupAsyncioRunner(self):
    assert self._asyncioRunner is None, "asyncio runner is already initialized"
    self._asyncioRunner = asyncio.Runner(debug=True, loop_factory=self.loop_factory)


def _tearDownAsyncioRunner(self):
    runner = self._asyncioRunner
    self._asyncioTestLoop = None
    runner.close()


def _tearDownAsyncioLoop(self):
    # The old private name, which code written for 3.8-3.10 (and their own
    # tests) calls after debug(): it ends whichever machinery ran.
    if self._asyncioRunner is not None:
        self._tearDownAsyncioRunner()
    else:
        _OLD["_tearDownAsyncioLoop"](self)


def run(self, result=None):
    if _keeps_old_machinery(self):
        return _OLD["run"](self, result)
    self._setupAsyncioRunner()
    try:
        return super(IsolatedAsyncioTestCase, self).run(result)
    finally:
        self._tearDownAsyncioRunner()


def debug(self):
    if _keeps_old_machinery(self) and _OLD["debug"] is not None:
        return _OLD["debug"](self)
    self._setupAsyncioRunner()
    if sys.version_info >= (3, 9):
        super(IsolatedAsyncioTestCase, self).debug()
    else:
        _debug_through_the_hooks(self)
    self._tearDownAsyncioRunner()


def _debug_through_the_hooks(case):
    # 3.8's TestCase.debug() calls the test method itself, which never
    # awaits a coroutine: run it as 3.9's does, through the _call* hooks.
    method = getattr(case, case._testMethodName)
    if (getattr(type(case), "__unittest_skip__", False)
            or getattr(method, "__unittest_skip__", False)):
        raise unittest.SkipTest(getattr(type(case), "__unittest_skip_why__", "")
                                or getattr(method, "__unittest_skip_why__", ""))
    case._callSetUp()
    case._callTestMethod(method)
    case._callTearDown()
    while case._cleanups:
        function, args, kwargs = case._cleanups.pop()
        case._callCleanup(function, *args, **kwargs)


def __del__(self):
    if self._asyncioRunner is not None:
        self._tearDownAsyncioRunner()
    elif _OLD["__del__"] is not None:
        _OLD["__del__"](self)


# Name -> what the interpreter's IsolatedAsyncioTestCase gets.
METHODS = {
    "loop_factory": None,
    "__init__": __init__,
    "enterAsyncContext": enterAsyncContext,
    "_callSetUp": _callSetUp,
    "_callTestMethod": _callTestMethod,
    "_callTearDown": _callTearDown,
    "_callCleanup": _callCleanup,
    "_callAsync": _callAsync,
    "_callMaybeAsync": _callMaybeAsync,
    "_setupAsyncioRunner": _setupAsyncioRunner,
    "_tearDownAsyncioRunner": _tearDownAsyncioRunner,
    "_tearDownAsyncioLoop": _tearDownAsyncioLoop,
    "run": run,
    "debug": debug,
    "__del__": __del__,
}
