"""Python 3.11+ asyncio (TaskGroup, timeout, Runner, uncancel) on CPython 3.8-3.10.

Installing the distribution is enough: taskgroup_patch.pth imports this
module at every interpreter start, and it arms a meta-path finder that patches
``asyncio`` right after its first import.  So this module is the whole
start-up path: it uses only modules site.py has already loaded (sys, os) and
does nothing but read TASKGROUP_PATCH and insert the finder.  The patch
itself (taskgroup_patch._patch and the implementation modules) is imported
only with asyncio.

Nothing here may stop the interpreter from starting or make ``import asyncio``
fail: site.py lets SystemExit and KeyboardInterrupt through, so every entry
point of the hook catches BaseException and degrades to one warning line.
"""

import sys

# typing.TYPE_CHECKING without importing typing, which would cost a few
# milliseconds at every interpreter start; type checkers honour the idiom.
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = (
    "install",
    "installed",
    "TaskGroup",
    "Timeout",
    "timeout",
    "timeout_at",
    "Runner",
    "run",
    "Barrier",
    "BrokenBarrierError",
)


def install() -> None:
    """Patch asyncio now, whatever TASKGROUP_PATCH says; idempotent.

    For programs started where .pth files are not processed (``python -S``,
    PYTHONPATH or ``--target`` installs, zipapps, embedded interpreters).
    An asyncio that is already imported is patched in place.
    """
    from taskgroup_patch import _patch

    _patch.install()
    if sys.version_info < (3, 11):
        _watch_libraries()


def installed() -> "dict[str, str]":
    """Return what was replaced, as {"asyncio.name": "what it is now"}.

    Empty when nothing is patched in this process.
    """
    patch = sys.modules.get("taskgroup_patch._patch")
    return patch.installed() if patch is not None else {}


if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from asyncio import (
            Barrier, BrokenBarrierError, Runner, TaskGroup, Timeout, run,
            timeout, timeout_at,
        )
    else:
        from taskgroup_patch.locks import Barrier, BrokenBarrierError
        from taskgroup_patch.runners import Runner, run
        from taskgroup_patch.taskgroups import TaskGroup
        from taskgroup_patch.timeouts import Timeout, timeout, timeout_at
else:
    def __getattr__(name):
        # asyncio's own names; asking for one on 3.8-3.10 is an explicit
        # opt-in, like install().
        if name in __all__:
            if sys.version_info < (3, 11):
                install()
            import asyncio

            return getattr(asyncio, name)
        raise AttributeError("module %r has no attribute %r" % (__name__, name))


# The start-up hook.

_ENV_VAR = "TASKGROUP_PATCH"
_ON = ("1", "on", "true", "yes")
_OFF = ("0", "off", "false", "no")

# Modules that take back their own cancellations only on 3.11+ (by testing
# sys.version_info); taskgroup_patch._adapters adapts each right after its
# first import on 3.8-3.10.  Each is the module that holds the decision:
# anyio's asyncio backend (imported when anyio first runs on asyncio),
# async-timeout, and aiohttp's helpers (TimerContext, ceil_timeout).
_ADAPTED_MODULES = ("anyio._backends._asyncio", "async_timeout", "aiohttp.helpers")


def _warn(message):
    # sys.stderr is None under pythonw and for some daemons.
    if sys.stderr is not None:
        try:
            sys.stderr.write("taskgroup_patch: %s\n" % message)
        except BaseException:
            pass


def _setting():
    """Return (patch?, complaint) for TASKGROUP_PATCH in this process.

    The complaint is None, or the warning an unrecognised value deserves.
    """
    # Imported here, not at module level: a reference from this module, which
    # the armed finder keeps alive, makes every interpreter exit wipe os late
    # and slowly (~0.1 ms, a fifth of what this hook costs a bare start).
    import os

    value = os.environ.get(_ENV_VAR)
    if value is not None:
        word = value.strip().lower()
        if word in _ON:
            return True, None
        if word in _OFF:
            return False, None
        if word:
            return sys.version_info < (3, 11), (
                "ignoring %s=%r (expected one of %s or %s)"
                % (_ENV_VAR, value, "/".join(_ON), "/".join(_OFF)))
    return sys.version_info < (3, 11), None


def _enabled(warn=True):
    """Say whether TASKGROUP_PATCH asks for patching in this process."""
    patch, complaint = _setting()
    if complaint is not None and warn:
        _warn(complaint)
    return patch


def _complain(module=None):
    """Warn about an unrecognised TASKGROUP_PATCH, once per process tree."""
    global _complaint
    if _complaint is not None:
        _warn(_complaint)
        _complaint = None
        # An empty value means the default, as an unrecognised one does:
        # child interpreters behave the same and do not repeat the warning.
        import os
        os.environ[_ENV_VAR] = ""


def _patch_now(module=None):
    """Patch asyncio, or warn once and leave it as it is."""
    _complain()
    try:
        from taskgroup_patch import _patch
        _patch.install()
    except BaseException as exc:
        _warn("asyncio left unpatched: %s: %s" % (type(exc).__name__, exc))


def _adapt(module):
    """Adapt a library of _ADAPTED_MODULES, or warn once and leave it."""
    try:
        from taskgroup_patch import _adapters
        _adapters.adapt(module)
    except BaseException as exc:
        _warn("%s left unadapted: %s: %s" % (module.__name__, type(exc).__name__, exc))


class _ImportHook:
    """Meta-path finder that answers only for the modules it watches.

    It also stands in as their loader: it runs the real loader, then calls
    the action registered for the module on the freshly executed module
    (asyncio gets patched, a library adapted).  One class rather than a
    finder and a loader wrapper: each class costs interpreter start-up time.
    Once every watched module is imported, it leaves sys.meta_path.
    """

    def __init__(self):
        self.actions = {}  # module name -> function(module), until imported
        self.loaders = {}  # module name -> its real loader, once found

    def watch(self, name, action):
        self.actions[name] = action
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def find_spec(self, name, path=None, target=None):
        if name not in self.actions:
            return None
        meta_path = sys.meta_path
        later = meta_path[meta_path.index(self) + 1:] if self in meta_path else meta_path
        try:
            for finder in later:
                find_spec = getattr(finder, "find_spec", None)
                if find_spec is None:
                    continue
                spec = find_spec(name, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        self.loaders[name] = spec.loader
                        spec.loader = self
                    return spec
        except BaseException as exc:
            self.actions.pop(name, None)
            self._disarm_if_done()
            _warn("%s import hook failed: %s: %s" % (name, type(exc).__name__, exc))
        # Let the normal machinery find the module (unchanged) on its own.
        return None

    def create_module(self, spec):
        return self.loaders[spec.name].create_module(spec)

    def exec_module(self, module):
        name = module.__spec__.name
        loader = self.loaders.pop(name)
        # Unwatched here, not when the module is merely found:
        # importlib.util.find_spec("asyncio") must not cost the program its
        # patch.  Before executing: the module may import itself again.
        action = self.actions.pop(name, None)
        self._disarm_if_done()
        loader.exec_module(module)
        # Leave no trace of ourselves in the module's import metadata.
        module.__loader__ = loader
        module.__spec__.loader = loader
        if action is not None:
            action(module)

    def _disarm_if_done(self):
        if not self.actions:
            # Replace sys.meta_path instead of mutating it: another thread
            # may be iterating it.
            sys.meta_path = [f for f in sys.meta_path if f is not self]


_hook = _ImportHook()
# The warning an unrecognised TASKGROUP_PATCH deserves, until it is said.
_complaint = None


def _arm():
    """Patch asyncio when it is imported, and adapt libraries on 3.8-3.10."""
    if "asyncio" in sys.modules:
        _patch_now()
    else:
        _hook.watch("asyncio", _patch_now)
    if sys.version_info < (3, 11):
        _watch_libraries()


def _watch_libraries():
    for name in _ADAPTED_MODULES:
        if name in sys.modules:
            _adapt(sys.modules[name])
        elif name not in _hook.actions:
            _hook.watch(name, _adapt)


def _start():
    global _complaint
    patch, _complaint = _setting()
    if patch:
        _arm()
    elif _complaint is not None:
        # Said where the setting takes effect, when asyncio is imported: not
        # at every start of pip or of a program that never uses asyncio.
        _hook.watch("asyncio", _complain)


try:
    _start()
except BaseException as exc:
    _warn("start-up hook failed: %s: %s" % (type(exc).__name__, exc))
