"""Members of asyncio's classes that the package adds on 3.8-3.10 (loop.sock_sendto,
Server.close_clients, StreamWriter.start_tls...): in place from the first lookup, at no
cost before it, reported by installed(), rolled back with the rest, and invisible
under TASKGROUP_PATCH=0."""

import asyncio
import json
import sys
import textwrap
import threading
from unittest import mock

import pytest

from _asynciohelpers import PATCHED, no_asyncio_errors  # noqa: F401
from conftest import clean_env, run_python

pytestmark = pytest.mark.skipif(not PATCHED, reason="nothing is patched on 3.11+ by default")

# The classes that gain members, with a member each, as a child reports them.
CLASSES = """
import asyncio, asyncio.base_events, asyncio.selector_events, asyncio.sslproto, json, sys
classes = [asyncio.Handle, asyncio.AbstractServer, asyncio.AbstractEventLoop,
           asyncio.base_events.BaseEventLoop, asyncio.base_events.Server,
           asyncio.selector_events.BaseSelectorEventLoop, asyncio.sslproto.SSLProtocol,
           asyncio.StreamReader, asyncio.StreamWriter]
if sys.platform != "win32":
    classes.append(asyncio.unix_events._UnixSelectorEventLoop)
def describe(value):
    return type(value).__name__ + ":" + getattr(value, "__module__", "")
members = {cls.__qualname__: {name: describe(value) for name, value in vars(cls).items()
                              if not name.startswith("__") or name == "__init__"}
           for cls in classes}
"""


def child(*parts, setting=None):
    """Run the code *parts* in a child interpreter; return what it printed, as JSON."""
    code = "\n".join(textwrap.dedent(part) for part in parts)
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH=setting))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_nothing_is_loaded_before_first_use():
    code = """
    import asyncio, json, sys
    before = sorted(m for m in sys.modules if m.startswith("taskgroup_patch.backport."))
    asyncio.StreamWriter.start_tls  # a lookup through the class
    after = sorted(m for m in sys.modules if m.startswith("taskgroup_patch.backport."))
    print(json.dumps([before, after]))
    """
    before, after = child(code)
    for name in ("events", "base_events", "selector_events", "unix_events", "sslproto",
                 "streams", "transports"):
        assert "taskgroup_patch.backport." + name not in before
    assert set(after) - set(before) == {"taskgroup_patch.backport.streams"}


def test_untouched_under_taskgroup_patch_0_and_after_a_rollback():
    reference = child(CLASSES, "print(json.dumps(members))", setting="0")
    assert "start_tls" not in reference["StreamWriter"]
    assert "sock_sendto" not in reference["BaseSelectorEventLoop"]

    # A failure at the last step of the patch, after the members were put.
    midway = """
    import sys
    def tracer(frame, event, arg):
        if (event == "call" and frame.f_code.co_name == "_set"
                and frame.f_code.co_filename.endswith("_patch.py")
                and frame.f_locals.get("name") == "__getattr__"):
            sys.settrace(None)
            raise RuntimeError("landed half-way through the patch")
    sys.settrace(tracer)
    """
    code = "\n".join(textwrap.dedent(part) for part in (midway, CLASSES,
                                                         "print(json.dumps(members))"))
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="1"))
    assert result.returncode == 0, result.stderr
    assert "landed half-way" in result.stderr
    assert json.loads(result.stdout) == reference


def test_patched_classes_hold_stand_ins_then_the_members():
    code = """
    before = repr(vars(asyncio.StreamWriter)["start_tls"]), repr(vars(asyncio.Handle)["get_context"])
    asyncio.StreamWriter.start_tls
    loop = asyncio.new_event_loop()
    loop.call_soon(print).get_context  # through an instance
    loop.close()
    after = describe(vars(asyncio.StreamWriter)["start_tls"]), describe(vars(asyncio.Handle)["get_context"])
    print(json.dumps([before, after]))
    """
    before, after = child(CLASSES, code)
    assert before == [
        "<LazyMember taskgroup_patch.backport.streams.StreamWriter.start_tls until first used>",
        "<LazyMember taskgroup_patch.backport.events.Handle.get_context until first used>"]
    assert after == ["function:taskgroup_patch.backport.streams",
                     "function:taskgroup_patch.backport.events"]


def test_installed_names_them_before_and_after_use():
    import taskgroup_patch

    expected = {
        "asyncio.streams.StreamWriter.start_tls":
            "taskgroup_patch.backport.streams.StreamWriter.start_tls",
        "asyncio.base_events.Server.close_clients":
            "taskgroup_patch.backport.base_events.Server.close_clients",
        "asyncio.selector_events.BaseSelectorEventLoop.sock_sendto":
            "taskgroup_patch.backport.selector_events.BaseSelectorEventLoop.sock_sendto",
        "asyncio.events.Handle.get_context": "taskgroup_patch.backport.events.Handle.get_context",
    }
    changes = taskgroup_patch.installed()
    assert {key: changes.get(key) for key in expected} == expected
    asyncio.StreamWriter.start_tls
    asyncio.base_events.Server.close_clients
    changes = taskgroup_patch.installed()
    assert {key: changes.get(key) for key in expected} == expected


def test_mock_patch_object_and_back():
    original = asyncio.StreamReader.readuntil
    with mock.patch.object(asyncio.StreamReader, "readuntil") as readuntil:
        assert asyncio.StreamReader.readuntil is readuntil
    assert asyncio.StreamReader.readuntil is original

    async def main():
        stream = asyncio.StreamReader()
        stream.feed_data(b"a;b")
        return await stream.readuntil((b";",))

    assert asyncio.run(main()) == b"a;"


def test_a_subclass_overrides_and_calls_the_member():
    class Logged(asyncio.StreamReader):
        seen = []

        async def readuntil(self, separator=b"\n"):
            self.seen.append(separator)
            return await super().readuntil(separator)

    async def main():
        stream = Logged()
        stream.feed_data(b"one\ntwo;")
        return await stream.readline(), await stream.readuntil((b";", b"!"))

    assert asyncio.run(main()) == (b"one\n", b"two;")
    assert Logged.seen == [b"\n", (b";", b"!")]


def test_first_lookups_racing_in_threads_get_the_same_member():
    code = """
    import asyncio, json, threading
    barrier = threading.Barrier(8)
    found = []
    def look():
        barrier.wait()
        found.append(asyncio.AbstractEventLoop.sock_recvfrom_into)
    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps([len(found), len({id(f) for f in found}),
                      found[0] is vars(asyncio.AbstractEventLoop)["sock_recvfrom_into"]]))
    """
    assert child(code) == [8, 1, True]


@pytest.mark.skipif(sys.version_info >= (3, 9), reason="3.8 only: 3.9 has cancel_futures=")
def test_executors_imported_before_asyncio_are_patched_too():
    code = """
    import concurrent.futures.thread, inspect, json, sys
    before_asyncio = "cancel_futures" in inspect.signature(
        concurrent.futures.ThreadPoolExecutor.shutdown).parameters
    print(json.dumps([before_asyncio, "asyncio" in sys.modules]))
    """
    assert child(code) == [True, False]


def test_a_member_that_extends_the_interpreters_own_keeps_working_after_undo_and_redo():
    # The backport module took the interpreter's function when it was imported;
    # a second install after a rollback must not take the backport's instead.
    code = """
    import asyncio, json
    from taskgroup_patch import _patch
    import asyncio.base_events
    asyncio.base_events.Server.close_clients      # loads base_events' backport
    with _patch._lock:
        _patch._undo()
        _patch._installed = False
    _patch.install()
    async def main():
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0,
                                            keep_alive=True)
        server.close()
        await server.wait_closed()
        return type(server).__name__
    print(json.dumps(asyncio.run(main())))
    """
    assert child(code) == "Server"


def test_the_threads_a_test_started_are_gone():
    # No member leaves a thread behind (shutdown_default_executor's joiner).
    async def main():
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sum, [1, 2])
        await loop.shutdown_default_executor()

    before = set(threading.enumerate())
    asyncio.run(main())
    assert set(threading.enumerate()) <= before
