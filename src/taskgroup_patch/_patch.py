"""The one place that knows what taskgroup_patch puts where.

``imported(module)`` is what the start-up hook calls right after a module it
watches is first imported (ON_IMPORT says what each gets).

``install()`` replaces or adds names in asyncio (and in builtins and
concurrent.futures where 3.11 changed them), records every change, and rolls
all of them back if any step fails, so asyncio is either fully patched or
left as the interpreter made it.
"""

import _thread
import builtins
import importlib
import sys
from importlib.machinery import ModuleSpec

_MISSING = object()
# threading.RLock itself, without importing threading: a program's first
# lookup of a name a standard module gains (enum.StrEnum...) imports this
# module, which must then cost little.  Re-entrant: install() imports
# exceptiongroup, whose import hook calls _install_exceptions() in the same
# thread, and loading a backport module on first use may look up another.
_lock = _thread.RLock()
_changes = []  # (owner, name, previous value or _MISSING), in order applied
_changed = set()  # (id(owner), name) for each entry of _changes made by _set()
_installed = False
_exceptions_installed = False
_builtin_types = {}  # id(a built-in type's own dictionary) -> the type, once written
_lazy = {}  # the LAZY entries in effect here, once installed
_submodules = {}  # the SUBMODULES entries in effect here, once installed
_originals = {}  # UPDATED target -> the interpreter's object, while taken out
_prepared = set()  # the backport modules loaded whose CHANGES are made

# Watched module -> what to do once it is imported: "module:function" of this
# package, called with the module.  On 3.11+ only asyncio is watched.  The
# start-up module's WATCHED names these same modules (without importing this).
ON_IMPORT = {
    "asyncio": "taskgroup_patch._patch:_install_on_import",
    "anyio._backends._asyncio": "taskgroup_patch.adapters:adapt",
    "async_timeout": "taskgroup_patch.adapters:adapt",
    "aiohttp.helpers": "taskgroup_patch.adapters:adapt",
    "_pytest.assertion.rewrite": "taskgroup_patch.adapters.pytest:adapt",
    "unittest.async_case": "taskgroup_patch._patch:_install_async_case",
    "coverage.python": "taskgroup_patch.adapters.coverage:adapt",
    "coverage.execfile": "taskgroup_patch.adapters.coverage:adapt",
    "IPython.core.interactiveshell": "taskgroup_patch.adapters.ipython:adapt",
    "exceptiongroup": "taskgroup_patch._patch:_install_exceptions_on_import",
}
if sys.version_info < (3, 9):
    # Executor.shutdown(cancel_futures=) (3.9); the executors' modules are
    # imported on first use, with asyncio or without.
    ON_IMPORT["concurrent.futures.thread"] = "taskgroup_patch._patch:_install_members"
    ON_IMPORT["concurrent.futures.process"] = "taskgroup_patch._patch:_install_members"


# What the backport adds to asyncio and its submodules, on first use: the
# modules that define them are imported only when a program looks a name up
# (a module __getattr__, PEP 562), so what only some programs use costs the
# others nothing.  "module.name" -> the backport module that defines it.
# Added where the interpreter lacks the name; replacing its own only if
# REPLACED lists it.
_BACKPORT = "taskgroup_patch.backport."
LAZY = {
    "asyncio.TaskGroup": _BACKPORT + "taskgroups",
    "asyncio.Timeout": _BACKPORT + "timeouts",
    "asyncio.timeout": _BACKPORT + "timeouts",
    "asyncio.timeout_at": _BACKPORT + "timeouts",
    "asyncio.Runner": _BACKPORT + "runners",
    "asyncio.runners.Runner": _BACKPORT + "runners",
    "asyncio.run": _BACKPORT + "runners",
    "asyncio.runners.run": _BACKPORT + "runners",
    "asyncio.Barrier": _BACKPORT + "locks",
    "asyncio.locks.Barrier": _BACKPORT + "locks",
    "asyncio.BrokenBarrierError": _BACKPORT + "locks",
    "asyncio.exceptions.BrokenBarrierError": _BACKPORT + "locks",
    "asyncio.create_eager_task_factory": _BACKPORT + "tasks",
    "asyncio.eager_task_factory": _BACKPORT + "tasks",
    "asyncio.capture_call_graph": _BACKPORT + "graph",
    "asyncio.format_call_graph": _BACKPORT + "graph",
    "asyncio.print_call_graph": _BACKPORT + "graph",
    "asyncio.FrameCallGraphEntry": _BACKPORT + "graph",
    "asyncio.FutureCallGraph": _BACKPORT + "graph",
    "asyncio.future_add_to_awaited_by": _BACKPORT + "graph",
    "asyncio.future_discard_from_awaited_by": _BACKPORT + "graph",
    # The public name of the loop's server class (3.9), where it always was.
    "asyncio.Server": "asyncio.base_events",
    "asyncio.to_thread": _BACKPORT + "threads",
    "asyncio.QueueShutDown": _BACKPORT + "queues",
}

# asyncio's submodules that the backport provides.  They are modules of the
# import system, as the interpreter's own files are: `import asyncio.X`,
# importlib.reload(), importlib.util.find_spec() and mock.patch() find them,
# also after `del sys.modules["asyncio.X"]`.  Name -> the backport module it
# is; added where the interpreter lacks it, replacing its own if REPLACED.
SUBMODULES = {
    "asyncio.taskgroups": _BACKPORT + "taskgroups",
    "asyncio.timeouts": _BACKPORT + "timeouts",
    "asyncio.graph": _BACKPORT + "graph",
    "asyncio.threads": _BACKPORT + "threads",
}

# The LAZY names and SUBMODULES that replace the interpreter's own where it
# has them (3.14's run(), Runner and TaskGroup; TASKGROUP_PATCH=1 on 3.11+).
REPLACED = {
    "asyncio.TaskGroup", "asyncio.Timeout", "asyncio.timeout", "asyncio.timeout_at",
    "asyncio.Runner", "asyncio.runners.Runner", "asyncio.run", "asyncio.runners.run",
    "asyncio.taskgroups", "asyncio.timeouts",
}

# The LAZY names whose interpreter object the backport module changes in
# place, rather than replaces: 3.13's Queue.shutdown() goes into the
# interpreter's queue classes, which keep everything else (loop= on 3.8/3.9,
# their subclasses' overrides).  Taken out until first use as REPLACED names
# are; loading the module puts them back first, then makes its CHANGES.
UPDATED = set()

if sys.version_info < (3, 13):
    # 3.13's queue shutdown, and as_completed() as an asynchronous iterator.
    # In asyncio only: each owner more costs `import asyncio` ~40k instructions
    # (0.015 %); the backport modules' CHANGES put them into asyncio.queues
    # and asyncio.tasks as they load.
    LAZY.update({
        "asyncio.Queue": _BACKPORT + "queues",
        "asyncio.PriorityQueue": _BACKPORT + "queues",
        "asyncio.LifoQueue": _BACKPORT + "queues",
        "asyncio.as_completed": _BACKPORT + "as_completed",
    })
    UPDATED.update({"asyncio.Queue", "asyncio.PriorityQueue", "asyncio.LifoQueue"})
    REPLACED.add("asyncio.as_completed")


# Members of the classes of asyncio (and around it) that 3.9-3.15 added or
# changed, each put in place on its first lookup (a LazyMember holds
# the place until then), so that only programs that use them pay for them.
# "module:Class" -> (the backport module whose class of the same name defines
# them, their names).
_EVENTS = _BACKPORT + "events"
_BASE_EVENTS = _BACKPORT + "base_events"
_STREAMS = _BACKPORT + "streams"
LAZY_MEMBERS = {
    "asyncio.events:Handle": (_EVENTS, ("get_context",)),
    "asyncio.events:AbstractServer": (_EVENTS, ("close_clients", "abort_clients")),
    "asyncio.events:AbstractEventLoop": (_EVENTS, (
        "create_task", "create_connection", "create_server", "start_tls",
        "create_unix_connection", "create_unix_server", "connect_accepted_socket",
        "sock_recvfrom", "sock_recvfrom_into", "sock_sendto")
        # 3.9 gave these their newest signatures.
        + (("shutdown_default_executor", "call_soon", "call_later", "call_at",
            "call_soon_threadsafe") if sys.version_info < (3, 9) else ())),
    "asyncio.base_events:BaseEventLoop": (_BASE_EVENTS, (
        "shutdown_default_executor", "create_connection", "create_server",
        "connect_accepted_socket", "start_tls")
        + (("run_in_executor",) if sys.version_info < (3, 9) else ())),
    "asyncio.base_events:Server": (_BASE_EVENTS, ("__init__", "close_clients", "abort_clients")),
    "asyncio.selector_events:BaseSelectorEventLoop": (_BACKPORT + "selector_events", (
        "sock_recvfrom", "sock_recvfrom_into", "sock_sendto",
        "_make_socket_transport", "_make_ssl_transport")),
    "asyncio.sslproto:SSLProtocol": (_BACKPORT + "sslproto", (
        "_start_shutdown", "connection_lost")),
    "asyncio.streams:StreamReader": (_STREAMS, ("readuntil",)),
    "asyncio.streams:StreamWriter": (_STREAMS, ("start_tls",)),
}
if sys.platform != "win32":
    LAZY_MEMBERS["asyncio.unix_events:_UnixSelectorEventLoop"] = (
        _BACKPORT + "unix_events",
        ("create_unix_connection", "create_unix_server", "_stop_serving"))
if sys.version_info < (3, 10):
    # `async with nullcontext()`, @asynccontextmanager's managers as decorators.
    LAZY_MEMBERS["contextlib:nullcontext"] = (
        _BACKPORT + "contextlib", ("__aenter__", "__aexit__"))
    LAZY_MEMBERS["contextlib:_AsyncGeneratorContextManager"] = (
        _BACKPORT + "contextlib", ("__call__", "_recreate_cm"))
if sys.version_info < (3, 9):
    LAZY_MEMBERS["asyncio.transports:WriteTransport"] = (
        _BACKPORT + "transports", ("get_write_buffer_limits",))
    LAZY_MEMBERS["asyncio.sslproto:_SSLProtocolTransport"] = (
        _BACKPORT + "sslproto", ("get_write_buffer_limits",))
    _FUTURES = _BACKPORT + "concurrent_futures."
    LAZY_MEMBERS["concurrent.futures._base:Executor"] = (_FUTURES + "_base", ("shutdown",))
    LAZY_MEMBERS["concurrent.futures.thread:ThreadPoolExecutor"] = (
        _FUTURES + "thread", ("shutdown",))
    LAZY_MEMBERS["concurrent.futures.process:ProcessPoolExecutor"] = (
        _FUTURES + "process", ("shutdown",))


# Standard modules that gain names on 3.8-3.10 (typing.Self, contextlib.aclosing...):
# the start-up module's GAINING.  Each gets a module __getattr__ that calls
# gained() for a name it lacks, and a __dir__ that lists gains().  Module name
# -> the backport module that has those names, and lists in its GAINED the
# ones this interpreter lacks.  A backport module whose SOURCE names a library
# has none of its own: they are that library's, imported at the first lookup
# (the start-up module's STAND_INS, which see the module as it is).
GAINED_FROM = {
    "typing": _BACKPORT + "typing",
    "datetime": _BACKPORT + "datetime",
    "enum": _BACKPORT + "enum",
    "functools": _BACKPORT + "functools",
    "contextlib": _BACKPORT + "contextlib",
    "inspect": _BACKPORT + "inspect",
}

# The start-up module, whose GAINING modules are given their names once it is armed.
_STARTUP = "_taskgroup_patch_startup"


def gained(module, name):
    """Return *name* of the standard *module*, which lacks it; AttributeError if not ours."""
    where = GAINED_FROM.get(module.__name__)
    if where is not None:
        backport = _load(where)
        if name in backport.GAINED:
            source = getattr(backport, "SOURCE", None)
            return getattr(_loaded(source) if source else backport, name)
    raise AttributeError("module %r has no attribute %r" % (module.__name__, name))


def gains(module_name):
    """The names the standard module gains in this process (none if not armed)."""
    startup = sys.modules.get(_STARTUP)
    if module_name not in getattr(startup, "GAINING", ()) or not startup.armed:
        return ()
    return _loaded(GAINED_FROM[module_name]).GAINED


def _loaded(name):
    # importlib.import_module() locks the module each time on 3.8-3.10;
    # the import statement's own check is in C, when there is nothing to do.
    __import__(name)
    return sys.modules[name]


def imported(module):
    """Do what ON_IMPORT says for *module*, which was just imported."""
    where, _, function = ON_IMPORT[module.__name__].partition(":")
    __import__(where)
    getattr(sys.modules[where], function)(module)


def _install_on_import(asyncio):
    install()


def install():
    """Patch asyncio; do nothing if it is already patched."""
    global _installed
    # Import asyncio before taking the lock: if the start-up hook is armed,
    # this import patches through a nested install() call of its own.
    import asyncio  # noqa: F401
    with _lock:
        if _installed:
            return
        try:
            if sys.version_info < (3, 11):
                _install_backport()
            else:
                _install_newer_semantics()
        except BaseException:
            _undo()
            raise
        _installed = True
    async_case = sys.modules.get("unittest.async_case")
    if async_case is not None:
        _install_async_case(async_case)


def _install_async_case(async_case):
    """unittest.IsolatedAsyncioTestCase as in 3.13 (runs right after its import)."""
    if sys.version_info >= (3, 11) or not _installed:
        return  # unittest needs the asyncio of 3.11 it is written for
    cls = getattr(async_case, "IsolatedAsyncioTestCase", None)
    if cls is None:
        return  # still being imported: it imports asyncio first
    from taskgroup_patch.backport import async_case as backport

    with _lock:
        if cls.__dict__.get("enterAsyncContext") is backport.enterAsyncContext:
            return
        for name, value in backport.METHODS.items():
            _set(cls, name, value)


def installed():
    """Return {"asyncio.TaskGroup": "taskgroup_patch.backport.taskgroups.TaskGroup", ...}.

    Names added on first use are listed from the start, with what they will be,
    and so are the names standard modules gain ({"typing.Self":
    "typing_extensions.Self", "enum.StrEnum": ...}).
    """
    with _lock:
        changes = {}
        for owner, name, _ in _changes:
            present = owner if isinstance(owner, dict) else owner.__dict__
            if name in present:  # else removed, for LAZY or SUBMODULES: listed below
                changes[_target(owner, name)] = _dotted(present[name])
        for target, where in _lazy.items():
            changes[target] = where + "." + target.rpartition(".")[2]
        for name, where in _submodules.items():
            changes["sys.modules[%r]" % name] = where
        # sys.exception() (3.11), which the start-up module adds with except*.
        exception = getattr(sys, "exception", None)
        if _installed and getattr(exception, "__module__", None) == "_taskgroup_patch_startup":
            changes["sys.exception"] = "_taskgroup_patch_startup._exception"
    for module_name in GAINED_FROM:
        names = gains(module_name)
        if names:
            backport = _loaded(GAINED_FROM[module_name])
            source = getattr(backport, "SOURCE", None)
            # Said without importing the source library, if there is one to import.
            if source:
                import importlib.util  # here: it imports contextlib and more

                if importlib.util.find_spec(source) is None:
                    continue
            for name in names:
                changes[module_name + "." + name] = (
                    source + "." + name if source else _dotted(getattr(backport, name)))
    return changes


def _install_backport():
    import asyncio
    import asyncio.base_events
    import asyncio.exceptions
    import asyncio.futures
    import asyncio.tasks
    import concurrent.futures
    import concurrent.futures._base

    from taskgroup_patch.backport import tasks

    _install_exceptions()
    _set_everywhere("Task", tasks.Task, asyncio, asyncio.tasks)
    _set_everywhere("create_task", tasks.create_task, asyncio, asyncio.tasks)
    _set(asyncio.base_events.BaseEventLoop, "create_task", tasks._loop_create_task)
    _set_everywhere("gather", tasks.gather, asyncio, asyncio.tasks)
    if sys.version_info < (3, 10):
        _set_everywhere("ensure_future", tasks.ensure_future, asyncio, asyncio.tasks)

    # 3.11's aliases: the public names are the builtin.  concurrent.futures'
    # raise sites (Future.result/exception, as_completed) read _base's global,
    # which becomes the class that all the old names' holders catch too.
    _set_everywhere("TimeoutError", builtins.TimeoutError,
                    asyncio, asyncio.exceptions, concurrent.futures)
    _set(concurrent.futures._base, "TimeoutError", tasks.TimeoutError)
    _set_everywhere("wait_for", tasks.wait_for, asyncio, asyncio.tasks)
    if sys.version_info < (3, 9):
        _extend_all(asyncio.base_events, ("Server",))
        # PEP 585's asyncio.Future[int] and Task[int], which code of 3.9+
        # evaluates at import time in annotations.  Nothing replaces the C
        # future type, so every future and task asyncio makes keeps its type:
        # its own dictionary gains the method, which the C task, ours and
        # gather's future inherit.  Future[int] is what 3.8's typing makes of
        # its own generics.  The queues get theirs when they load.
        import typing

        class_getitem = classmethod(typing._GenericAlias)
        _set_in_builtin_type(asyncio.futures.Future, "__class_getitem__", class_getitem)
        _set(asyncio.futures._PyFuture, "__class_getitem__", class_getitem)
    if sys.version_info < (3, 10):
        # No lookup announces a builtin's first use: stand-ins go in now.
        for name, stand_in in _BUILTIN_STAND_INS.items():
            _set(builtins, name, stand_in)
    _put_lazy_members()
    _install_newer_semantics()


def _install_exceptions_on_import(exceptiongroup):
    _install_exceptions()


def _install_exceptions():
    """3.11's exceptions and their tracebacks, on 3.8-3.10; idempotent.

    Done when exceptiongroup is first imported (patching asyncio imports
    it), with it: the groups as builtins, BaseException.add_note, and
    3.13's traceback rendering over the one exceptiongroup installs, which
    is loaded when something first renders an exception.
    """
    global _exceptions_installed
    import os
    import threading
    import traceback

    import exceptiongroup
    import exceptiongroup._exceptions

    with _lock:
        if _exceptions_installed:
            return
        groups = (exceptiongroup.BaseExceptionGroup, exceptiongroup.ExceptionGroup)
        for group in groups:
            if group.__name__ not in builtins.__dict__:  # not its __getattr__
                _set(builtins, group.__name__, group)
            # Named as the builtins they stand for, by tracebacks and pickle.
            _set(group, "__module__", "builtins")
        # The repr of 3.11+: the arguments as given (a tuple stays a tuple).
        _set(groups[0], "__repr__", BaseException.__repr__)
        # Stand-ins, until the first call loads the backport (whose import
        # would cost `import asyncio` 0.5%) and puts its functions in place.
        _set(groups[0], "add_note", _add_note)
        _set(exceptiongroup._exceptions, "_derive_and_copy_attributes",
             _derive_and_copy_attributes)
        _set_in_builtin_type(BaseException, "add_note", _add_note)
        # Like exceptiongroup's own traceback patch, off with EXCEPTIONGROUP_NO_PATCH=1.
        if os.environ.get("EXCEPTIONGROUP_NO_PATCH") != "1":
            # Every rendering starts in one of these stand-ins; the first
            # loads the backport, whose import would cost `import asyncio` 0.4%.
            _set(traceback.TracebackException, "__init__", _TracebackException_init)
            # And the class's new members, for whoever looks before.
            _set(traceback.TracebackException, "print", _TracebackException_print)
            _set(traceback.TracebackException, "exc_type_str", _exc_type_str)
            for name, stand_in in _TRACEBACK_STAND_INS.items():
                _set(traceback, name, stand_in)
            # Threads' uncaught errors too, as on 3.13, unless a hook is set.
            if threading.excepthook is _default_thread_excepthook():
                _set(threading, "excepthook", _thread_excepthook)
        _exceptions_installed = True


def _install_exceptions_backport():
    """Replace the exceptions' stand-ins by backport.exceptions' functions; return it."""
    import exceptiongroup._exceptions

    from taskgroup_patch.backport import exceptions

    with _lock:
        group = exceptiongroup.BaseExceptionGroup
        if group.__dict__.get("add_note") is _add_note:
            _set(group, "add_note", exceptions.add_note)
        if exceptiongroup._exceptions.__dict__.get("_derive_and_copy_attributes") is (
                _derive_and_copy_attributes):
            _set(exceptiongroup._exceptions, "_derive_and_copy_attributes",
                 exceptions.derive_and_copy_attributes)
        if BaseException.__dict__.get("add_note") is _add_note:
            _set_in_builtin_type(BaseException, "add_note", exceptions.add_note)
    return exceptions


def _add_note(self, note, /):
    """Add a note to the exception, to be shown after its message in tracebacks."""
    return _install_exceptions_backport().add_note(self, note)


_add_note.__name__, _add_note.__qualname__ = "add_note", "BaseException.add_note"


def _derive_and_copy_attributes(group, excs):
    return _install_exceptions_backport().derive_and_copy_attributes(group, excs)


def _install_builtins():
    """Replace the builtins' stand-ins by backport.builtins' functions; return it."""
    from taskgroup_patch.backport import builtins as backport

    with _lock:
        for name, stand_in in _BUILTIN_STAND_INS.items():
            if builtins.__dict__.get(name) is stand_in:
                _set(builtins, name, getattr(backport, name))
    return backport


def _aiter(async_iterable, /):
    """Return an asynchronous iterator for an asynchronous iterable: its __aiter__()."""
    return _install_builtins().aiter(async_iterable)


def _anext(async_iterator, default=_MISSING, /):
    """Return an awaitable for the next item of an asynchronous iterator."""
    if default is _MISSING:
        return _install_builtins().anext(async_iterator)
    return _install_builtins().anext(async_iterator, default)


# builtins.aiter() and anext() (3.10) on 3.8 and 3.9, until their first call.
_BUILTIN_STAND_INS = {"aiter": _aiter, "anext": _anext}
for _name, _stand_in in _BUILTIN_STAND_INS.items():
    _stand_in.__name__ = _stand_in.__qualname__ = _name
del _name, _stand_in


def _install_traceback():
    """Replace the stand-ins by 3.13's traceback code (backport.traceback)."""
    import threading
    import traceback

    from taskgroup_patch.backport import traceback as backport

    with _lock:
        for name in backport.TracebackException.PATCHED:
            _set(traceback.TracebackException, name,
                 backport.TracebackException.__dict__[name])
        for name, stand_in in _TRACEBACK_STAND_INS.items():
            if traceback.__dict__.get(name) is stand_in:
                _set(traceback, name, getattr(backport, name))
        if threading.excepthook is _thread_excepthook:
            _set(threading, "excepthook", backport.thread_excepthook)


def _default_thread_excepthook():
    # threading.__excepthook__ is 3.10's name for it.
    import threading
    return getattr(threading, "__excepthook__", _thread._excepthook)


# The stand-ins have the signatures of what they stand for, which
# introspection sees before the first call.  A value or traceback not given
# is not passed on (the backport's default says "not given" in its own way).

class _Implicit:
    def __repr__(self):
        return "<implicit>"


_IMPLICIT = _Implicit()


def _given(value, tb):
    return {key: arg for key, arg in (("value", value), ("tb", tb)) if arg is not _IMPLICIT}


def _TracebackException_init(self, exc_type, exc_value, exc_traceback, *, limit=None,
                             lookup_lines=True, capture_locals=False, compact=False,
                             max_group_width=15, max_group_depth=10, save_exc_type=True,
                             _seen=None):
    import traceback
    _install_traceback()
    traceback.TracebackException.__init__(
        self, exc_type, exc_value, exc_traceback, limit=limit, lookup_lines=lookup_lines,
        capture_locals=capture_locals, compact=compact, max_group_width=max_group_width,
        max_group_depth=max_group_depth, save_exc_type=save_exc_type, _seen=_seen)


def _TracebackException_print(self, *, file=None, chain=True, **kwargs):
    _install_traceback()
    self.print(file=file, chain=chain, **kwargs)


@property
def _exc_type_str(self):
    _install_traceback()
    return self.exc_type_str


def _print_exception(exc, /, value=_IMPLICIT, tb=_IMPLICIT, limit=None, file=None,
                     chain=True, **kwargs):
    import traceback
    _install_traceback()
    traceback.print_exception(exc, **_given(value, tb), limit=limit, file=file,
                              chain=chain, **kwargs)


def _format_exception(exc, /, value=_IMPLICIT, tb=_IMPLICIT, limit=None, chain=True,
                      **kwargs):
    import traceback
    _install_traceback()
    return traceback.format_exception(exc, **_given(value, tb), limit=limit, chain=chain,
                                      **kwargs)


def _format_exception_only(exc, /, value=_IMPLICIT, *, show_group=False, **kwargs):
    import traceback
    _install_traceback()
    return traceback.format_exception_only(exc, **_given(value, _IMPLICIT),
                                           show_group=show_group, **kwargs)


def _thread_excepthook(args, /):
    import threading
    _install_traceback()
    threading.excepthook(args)


_thread_excepthook.__module__ = "threading"


_TRACEBACK_STAND_INS = {
    "print_exception": _print_exception,
    "format_exception": _format_exception,
    "format_exception_only": _format_exception_only,
}
for _name, _stand_in in _TRACEBACK_STAND_INS.items():
    # Named as what they stand for (traceback's own checks look at __module__).
    _stand_in.__module__, _stand_in.__name__, _stand_in.__qualname__ = "traceback", _name, _name
del _name, _stand_in


def _set_in_builtin_type(cls, name, value):
    # A C type (BaseException, 3.8's asyncio.Future) refuses setattr: its own
    # dictionary, which gc reaches behind the read-only __dict__ proxy, takes
    # the name, and the interpreter must then forget what it cached of the
    # type's attributes.  No ctypes: importing it costs more than all of this.
    import gc

    namespace, = gc.get_referents(cls.__dict__)
    _builtin_types[id(namespace)] = cls
    _set(namespace, name, value)
    _type_modified(cls)


def _type_modified(cls):
    # PyType_Modified(cls), which drops the attribute caches of cls and its
    # subclasses: the setter of __abstractmethods__ calls it and, unlike
    # setattr(), accepts built-in types.  Setting then deleting the name
    # leaves the dictionary as it was (cls is not abstract).
    assert "__abstractmethods__" not in cls.__dict__
    abstract = type.__dict__["__abstractmethods__"]
    abstract.__set__(cls, frozenset())
    abstract.__delete__(cls)


def _install_newer_semantics():
    # Alone, for TASKGROUP_PATCH=1 on 3.11+: the interpreter's Task already
    # counts cancellations there, so only the REPLACED names are ours.
    import asyncio

    # What the LAZY modules need: a broken dependency fails the patch here,
    # which is rolled back, and not the program at its first use of a name.
    import exceptiongroup  # noqa: F401

    if (3, 11) <= sys.version_info < (3, 14):
        # 3.14's create_task(coro, **kwargs), for the interpreter's own Task.
        import asyncio.base_events

        from taskgroup_patch.backport import tasks

        _set_everywhere("create_task", tasks.create_task, asyncio, asyncio.tasks)
        _set(asyncio.base_events.BaseEventLoop, "create_task", tasks._loop_create_task)
    _install_event_loop_name(asyncio)
    _install_lazy()


def _install_members(module):
    """ON_IMPORT's action for a module of LAZY_MEMBERS imported after asyncio or without it."""
    with _lock:
        _put_lazy_members(module.__name__)


class LazyMember:
    """Holds a class member's place until it is first looked up.

    Defined here, not in the backport package it loads from: measured on
    3.10, asyncio's classes holding instances of a class of that package
    cost ``python -c "import asyncio"`` 0.9 M instructions more (0.3 %),
    all in the interpreter's last garbage collection at exit.

    The first lookup, through the class or an instance, imports the backport
    module that defines the member (in its class of the same name as *owner*),
    puts the member in this stand-in's place and answers as the member does.
    """

    # Every asyncio import makes a few dozen of these: small and quick.
    __slots__ = ("owner", "name", "module", "replaced")

    def __init__(self, owner, name, module, replaced):
        self.owner = owner
        self.name = name
        self.module = module
        self.replaced = replaced  # what the owner had under this name, or None

    def __get__(self, instance, owner=None):
        backport = importlib.import_module(self.module)
        member = vars(getattr(backport, self.owner.__name__))[self.name]
        # Unless the owner was restored (or the member mocked) meanwhile.
        if vars(self.owner).get(self.name) is self:
            setattr(self.owner, self.name, member)
        get = getattr(type(member), "__get__", None)
        return member if get is None else get(member, instance, owner)

    def dotted_name(self):
        """The member's full name, as "package.module.Class.name"."""
        return "%s.%s.%s" % (self.module, self.owner.__name__, self.name)

    def __repr__(self):
        return "<%s %s until first used>" % (type(self).__name__, self.dotted_name())


def _put_lazy_members(only=None):
    """Put LAZY_MEMBERS in place, in the modules imported (or in the one named *only*)."""
    for target, (where, names) in LAZY_MEMBERS.items():
        module_name, _, class_name = target.partition(":")
        module = sys.modules.get(module_name)
        if module is None or only not in (None, module_name):
            continue
        owner = getattr(module, class_name)
        members = owner.__dict__
        for name in names:
            previous = members.get(name, _MISSING)
            if type(previous) is LazyMember:
                continue  # put once, until undone
            # Logged for installed() and _undo(), without _set()'s bookkeeping:
            # this runs a few dozen times at every asyncio import, and nothing
            # else sets these members.
            _changes.append((owner, name, previous))
            replaced = None if previous is _MISSING else previous
            setattr(owner, name, LazyMember(owner, name, where, replaced))


def _install_lazy():
    """Put LAZY and SUBMODULES in effect: each owner's __getattr__, __dir__, __all__."""
    owners = {}  # owner's name -> (owner, the LAZY names it gains)
    for target, where in LAZY.items():
        owner_name, _, name = target.rpartition(".")
        owner = sys.modules.get(owner_name) or importlib.import_module(owner_name)
        if name in owner.__dict__:
            if target in UPDATED:
                _originals[target] = owner.__dict__[name]
            elif target not in REPLACED:
                continue
            _remove(owner, name)
        _lazy[target] = where
        # Gathered as they go in: this runs at every asyncio import.
        owners.setdefault(owner_name, (owner, []))[1].append(name)
    for target, where in SUBMODULES.items():
        package, _, name = target.rpartition(".")
        if target in sys.modules:
            if target not in REPLACED:
                continue
            _remove(sys.modules, target)
            _remove(sys.modules[package], name)
        _submodules[target] = where
        owners.setdefault(package, (sys.modules[package], []))
    for owner_name, (owner, names) in owners.items():
        if hasattr(owner, "__all__"):
            _extend_all(owner, names)
        getattr_, dir_ = _lazy_attributes(owner_name)
        _set(owner, "__getattr__", getattr_)
        _set(owner, "__dir__", dir_)
    # Last: nothing of a failed install() may stay in sys.meta_path.
    if _submodules and _submodule_finder not in sys.meta_path:
        sys.meta_path.insert(0, _submodule_finder)


def _lazy_attributes(owner_name):
    """The module __getattr__ and __dir__ that make *owner_name*'s lazy names appear."""

    def __getattr__(name):
        target = owner_name + "." + name
        where = _lazy.get(target)
        if where is not None:
            value = getattr(_load(where), name)
        elif target in _submodules:
            value = importlib.import_module(target)
        else:
            raise AttributeError("module %r has no attribute %r" % (owner_name, name))
        # Later lookups find it as any other attribute.
        return sys.modules[owner_name].__dict__.setdefault(name, value)

    def __dir__():
        prefix = owner_name + "."
        return sorted(set(sys.modules[owner_name].__dict__).union(
            target[len(prefix):] for target in (*_lazy, *_submodules)
            if target.startswith(prefix) and "." not in target[len(prefix):]))

    return __getattr__, __dir__


def _load(where):
    """Import the backport module *where*; the first time, make its CHANGES; return it."""
    with _lock:
        if where not in _prepared:
            # The UPDATED names it changes go back first: it finds them in asyncio.
            for target in [t for t in _originals if _lazy.get(t) == where]:
                owner_name, _, name = target.rpartition(".")
                sys.modules[owner_name].__dict__[name] = _originals.pop(target)
            module = _loaded(where)
            for owner, name, value in getattr(module, "CHANGES", ()):
                _set(owner, name, value)
            # All its names go in place at once, each owner's its own: a
            # mock.patch() of asyncio.taskgroups.TaskGroup must not be what
            # asyncio.TaskGroup becomes when first looked up meanwhile, and
            # a patch of asyncio.TaskGroup must restore, not delete, it.
            for target, source in _lazy.items():
                if source == where:
                    owner_name, _, name = target.rpartition(".")
                    sys.modules[owner_name].__dict__.setdefault(name, getattr(module, name))
            # And the submodule it is, as after a native `import asyncio`: code
            # that uses TaskGroup may `del sys.modules["asyncio.taskgroups"]`.
            for target, source in _submodules.items():
                if source == where:
                    package, _, name = target.rpartition(".")
                    sys.modules.setdefault(target, module)
                    sys.modules[package].__dict__.setdefault(name, module)
            _prepared.add(where)
    return sys.modules[where]


class _SubmoduleFinder:
    """Finds the SUBMODULES for the import system: the backport module each is."""

    def find_spec(self, name, path=None, target=None):
        if name not in _submodules:
            return None
        return ModuleSpec(name, self, origin=_submodules[name])

    def create_module(self, spec):
        # The module keeps its own name and spec (the import system does not
        # override them), so tracebacks and importlib.reload() stay truthful.
        return _load(_submodules[spec.name])

    def exec_module(self, module):
        pass  # executed once, as the backport module


_submodule_finder = _SubmoduleFinder()


def _install_event_loop_name(asyncio):
    # 3.13's name for the loop class that new_event_loop() makes by default.
    if sys.platform == "win32":
        import asyncio.windows_events as platform_events
        loop_class = platform_events.ProactorEventLoop
    else:
        import asyncio.unix_events as platform_events
        loop_class = platform_events.SelectorEventLoop
    if hasattr(platform_events, "EventLoop"):
        return
    _set_everywhere("EventLoop", loop_class, asyncio, platform_events)
    _extend_all(platform_events, ("EventLoop",))
    _extend_all(asyncio, ("EventLoop",))


def _set(owner, name, value):
    # Only the first change of a name is logged: it holds the value to restore.
    # _changes keeps every owner alive, so its id() stays unique.
    is_dict = isinstance(owner, dict)
    key = (id(owner), name)
    if key not in _changed:
        namespace = owner if is_dict else owner.__dict__
        _changes.append((owner, name, namespace.get(name, _MISSING)))
        _changed.add(key)
    if is_dict:
        owner[name] = value
    else:
        setattr(owner, name, value)



def _set_everywhere(name, value, *owners):
    for owner in owners:
        _set(owner, name, value)


def _remove(owner, name):
    """Remove *name* from *owner* (a module, or sys.modules), logged as _set() logs."""
    _set(owner, name, None)
    if isinstance(owner, dict):
        del owner[name]
    else:
        delattr(owner, name)


def _extend_all(module, names):
    current = tuple(module.__all__)
    # A set: asyncio's __all__ has some 120 names, scanned for each new one
    # cost `import asyncio` 0.06 %.
    present = set(current)
    _set(module, "__all__", current + tuple(n for n in names if n not in present))


def _undo():
    global _exceptions_installed
    _exceptions_installed = False
    _changed.clear()
    _lazy.clear()
    _submodules.clear()
    _originals.clear()
    _prepared.clear()
    sys.meta_path = [f for f in sys.meta_path if f is not _submodule_finder]
    while _changes:
        owner, name, previous = _changes.pop()
        if isinstance(owner, dict):
            if previous is _MISSING:
                owner.pop(name, None)
            else:
                owner[name] = previous
        elif previous is _MISSING:
            if name in owner.__dict__:
                delattr(owner, name)
        else:
            setattr(owner, name, previous)
    while _builtin_types:
        _type_modified(_builtin_types.popitem()[1])


def _target(owner, name):
    if owner is sys.modules:
        return "sys.modules[%r]" % name
    if id(owner) in _builtin_types:
        return _dotted(_builtin_types[id(owner)]) + "." + name
    return _dotted(owner) + "." + name


def _dotted(obj):
    if isinstance(obj, LazyMember):  # named without loading it
        return obj.dotted_name()
    obj = getattr(obj, "fget", obj)  # a property, by its getter
    if isinstance(obj, classmethod):
        obj = obj.__func__
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module and qualname:
        return module + "." + qualname
    return getattr(obj, "__name__", repr(obj))
