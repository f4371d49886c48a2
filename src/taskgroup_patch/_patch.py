"""The one place that knows what taskgroup_patch puts where.

``imported(module)`` is what the start-up hook calls right after a module it
watches is first imported (ON_IMPORT says what each gets).

``install()`` replaces or adds names in asyncio (and in builtins and
concurrent.futures where 3.11 changed them), records every change, and rolls
all of them back if any step fails, so asyncio is either fully patched or
left as the interpreter made it.
"""

import builtins
import importlib
import sys
import threading
from importlib.machinery import ModuleSpec

_MISSING = object()
_lock = threading.Lock()
_changes = []  # (owner, name, previous value or _MISSING), in order applied
_changed = set()  # (id(owner), name) for each entry of _changes
_installed = False
_lazy = {}  # the LAZY names this interpreter's asyncio lacks, once installed

# Watched module -> what to do once it is imported: "module:function" of this
# package, called with the module.  On 3.11+ only asyncio is watched.  The
# start-up module's WATCHED names these same modules (without importing this).
ON_IMPORT = {
    "asyncio": "taskgroup_patch._patch:_install_on_import",
    "anyio._backends._asyncio": "taskgroup_patch.adapters:adapt",
    "async_timeout": "taskgroup_patch.adapters:adapt",
    "aiohttp.helpers": "taskgroup_patch.adapters:adapt",
    "_pytest.assertion.rewrite": "taskgroup_patch.adapters.pytest:adapt",
}


# asyncio names that only some programs use cost nothing until then: they are
# added on first use, through a module __getattr__ (PEP 562).
# Name -> the backport module that defines it.
LAZY = {}

# asyncio's submodules that the backport provides.  They are modules of the
# import system, as the interpreter's own files are: `import asyncio.X`,
# importlib.reload(), importlib.util.find_spec() and mock.patch() find them,
# also after `del sys.modules["asyncio.X"]`.  Name -> the backport module it is.
SUBMODULES = {
    "asyncio.taskgroups": "taskgroup_patch.backport.taskgroups",
    "asyncio.timeouts": "taskgroup_patch.backport.timeouts",
}


# Standard modules that gain names on 3.8-3.10 (typing.Self, contextlib.aclosing...):
# the start-up module's GAINING.  Each gets a module __getattr__ that calls
# gained() for a name it lacks.  Module name -> the backport module that has
# those names, and lists them in its GAINED.
GAINED_FROM = {}


def gained(module, name):
    """Return *name* of the standard *module*, which lacks it; AttributeError if not ours."""
    where = GAINED_FROM.get(module.__name__)
    if where is not None:
        backport = importlib.import_module(where)
        if name in backport.GAINED:
            value = getattr(backport, name)
            # Later lookups find it as any other attribute.
            module.__dict__.setdefault(name, value)
            return value
    raise AttributeError("module %r has no attribute %r" % (module.__name__, name))


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


def installed():
    """Return {"asyncio.TaskGroup": "taskgroup_patch.backport.taskgroups.TaskGroup", ...}.

    Names added on first use are listed from the start, with what they will be.
    """
    with _lock:
        changes = {_target(owner, name): _dotted(_get(owner, name))
                   for owner, name, _ in _changes}
        if _installed:
            for name, where in _lazy.items():
                changes.setdefault("asyncio." + name, where + "." + name)
            for name, where in SUBMODULES.items():
                changes.setdefault("sys.modules[%r]" % name, where)
        return changes


def _get(owner, name):
    return owner[name] if isinstance(owner, dict) else getattr(owner, name)


def _install_backport():
    import asyncio
    import asyncio.base_events
    import asyncio.exceptions
    import asyncio.locks
    import asyncio.tasks
    import concurrent.futures
    import concurrent.futures._base

    import exceptiongroup

    from taskgroup_patch.backport import locks, tasks, timeouts

    for name in ("BaseExceptionGroup", "ExceptionGroup"):
        if not hasattr(builtins, name):
            _set(builtins, name, getattr(exceptiongroup, name))

    _set_everywhere("Task", tasks.Task, asyncio, asyncio.tasks)
    _set_everywhere("create_task", tasks.create_task, asyncio, asyncio.tasks)
    _set(asyncio.base_events.BaseEventLoop, "create_task", tasks._loop_create_task)
    if sys.version_info < (3, 10):
        _set_everywhere("ensure_future", tasks.ensure_future, asyncio, asyncio.tasks)

    # 3.11's aliases: the public names are the builtin.  concurrent.futures'
    # raise sites (Future.result/exception, as_completed) read _base's global,
    # which becomes the class that all the old names' holders catch too.
    _set_everywhere("TimeoutError", builtins.TimeoutError,
                    asyncio, asyncio.exceptions, concurrent.futures)
    _set(concurrent.futures._base, "TimeoutError", timeouts.TimeoutError)
    _set_everywhere("BrokenBarrierError", locks.BrokenBarrierError,
                    asyncio, asyncio.exceptions)
    _set_everywhere("wait_for", timeouts.wait_for, asyncio, asyncio.tasks)
    _set_everywhere("Barrier", locks.Barrier, asyncio, asyncio.locks)
    _extend_all(asyncio.exceptions, ("BrokenBarrierError",))
    _extend_all(asyncio.locks, ("Barrier",))
    _extend_all(asyncio, ("BrokenBarrierError", "Barrier"))
    _install_newer_semantics()


def _install_newer_semantics():
    # Alone, for TASKGROUP_PATCH=1 on 3.11+: the interpreter's Task already
    # counts cancellations there, so only these are ours.
    import asyncio
    import asyncio.runners

    from taskgroup_patch.backport import runners, taskgroups, timeouts

    for module in (taskgroups, timeouts):
        _install_submodule(asyncio, module.__name__.rpartition(".")[2], module)
        for name in module.__all__:
            _set(asyncio, name, getattr(module, name))
    _set_everywhere("Runner", runners.Runner, asyncio, asyncio.runners)
    _set_everywhere("run", runners.run, asyncio, asyncio.runners)
    if (3, 11) <= sys.version_info < (3, 14):
        # 3.14's create_task(coro, **kwargs), for the interpreter's own Task.
        import asyncio.base_events

        from taskgroup_patch.backport import tasks

        _set_everywhere("create_task", tasks.create_task, asyncio, asyncio.tasks)
        _set(asyncio.base_events.BaseEventLoop, "create_task", tasks._loop_create_task)
    _install_event_loop_name(asyncio)
    _extend_all(asyncio.runners, ("Runner",))
    _extend_all(asyncio, ("Runner",) + taskgroups.__all__ + timeouts.__all__)
    _install_lazy_names(asyncio)


def _install_lazy_names(asyncio):
    # Only the names this interpreter's asyncio lacks.
    _lazy.update((name, where) for name, where in LAZY.items() if name not in asyncio.__dict__)
    _extend_all(asyncio, tuple(_lazy))
    _set(asyncio, "__getattr__", _asyncio_getattr)
    _set(asyncio, "__dir__", _asyncio_dir)
    # Last: nothing of a failed install() may stay in sys.meta_path.
    if _submodule_finder not in sys.meta_path:
        sys.meta_path.insert(0, _submodule_finder)


def _asyncio_getattr(name):
    """asyncio.__getattr__: a LAZY name or a SUBMODULES module, on first use."""
    asyncio = sys.modules["asyncio"]
    where = _lazy.get(name)
    if where is not None:
        value = getattr(importlib.import_module(where), name)
    elif "asyncio." + name in SUBMODULES:
        value = importlib.import_module("asyncio." + name)
    else:
        raise AttributeError("module 'asyncio' has no attribute %r" % name)
    # Later lookups find it as any other attribute.
    asyncio.__dict__.setdefault(name, value)
    return value


def _asyncio_dir():
    asyncio = sys.modules["asyncio"]
    return sorted(set(asyncio.__dict__) | set(_lazy)
                  | {name.rpartition(".")[2] for name in SUBMODULES})


class _SubmoduleFinder:
    """Finds the SUBMODULES for the import system: the backport module each is."""

    def find_spec(self, name, path=None, target=None):
        if name not in SUBMODULES:
            return None
        return ModuleSpec(name, self, origin=SUBMODULES[name])

    def create_module(self, spec):
        # The module keeps its own name and spec (the import system does not
        # override them), so tracebacks and importlib.reload() stay truthful.
        return importlib.import_module(SUBMODULES[spec.name])

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
    key = (id(owner), name)
    if key not in _changed:
        if isinstance(owner, dict):
            previous = owner.get(name, _MISSING)
        else:
            previous = owner.__dict__.get(name, _MISSING)
        _changes.append((owner, name, previous))
        _changed.add(key)
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


def _set_everywhere(name, value, *owners):
    for owner in owners:
        _set(owner, name, value)


def _install_submodule(package, name, module):
    # `import asyncio.taskgroups` and `from asyncio import taskgroups` both
    # find our module; it keeps its own __name__ so tracebacks stay truthful.
    _set(sys.modules, package.__name__ + "." + name, module)
    _set(package, name, module)


def _extend_all(module, names):
    current = tuple(module.__all__)
    _set(module, "__all__", current + tuple(n for n in names if n not in current))


def _undo():
    _changed.clear()
    _lazy.clear()
    sys.meta_path = [f for f in sys.meta_path if f is not _submodule_finder]
    while _changes:
        owner, name, previous = _changes.pop()
        if isinstance(owner, dict):
            if previous is _MISSING:
                owner.pop(name, None)
            else:
                owner[name] = previous
        elif previous is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, previous)


def _target(owner, name):
    if owner is sys.modules:
        return "sys.modules[%r]" % name
    return _dotted(owner) + "." + name


def _dotted(obj):
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module and qualname:
        return module + "." + qualname
    return getattr(obj, "__name__", repr(obj))
