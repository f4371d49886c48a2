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


def _warn(message):
    # sys.stderr is None under pythonw and for some daemons.
    if sys.stderr is not None:
        try:
            sys.stderr.write("taskgroup_patch: %s\n" % message)
        except BaseException:
            pass


def _enabled(warn=True):
    """Say whether TASKGROUP_PATCH asks for patching in this process."""
    # Imported here, not at module level: a reference from this module, which
    # the armed finder keeps alive, makes every interpreter exit wipe os late
    # and slowly (~0.1 ms, a fifth of what this hook costs a bare start).
    import os

    value = os.environ.get(_ENV_VAR)
    if value is not None:
        word = value.strip().lower()
        if word in _ON:
            return True
        if word in _OFF:
            return False
        if word and warn:
            _warn("ignoring %s=%r (expected one of %s or %s)"
                  % (_ENV_VAR, value, "/".join(_ON), "/".join(_OFF)))
    return sys.version_info < (3, 11)


def _patch_now():
    """Patch asyncio, or warn once and leave it as it is."""
    try:
        from taskgroup_patch import _patch
        _patch.install()
    except BaseException as exc:
        _warn("asyncio left unpatched: %s: %s" % (type(exc).__name__, exc))


class _AsyncioFinder:
    """Meta-path finder that only ever answers for the name 'asyncio'.

    It also stands in as asyncio's loader: it runs the real loader, then
    patches the freshly executed module.  (One class rather than a finder
    and a loader wrapper: each class costs interpreter start-up time.)
    """

    loader = None  # asyncio's own loader, once found

    def find_spec(self, name, path=None, target=None):
        if name != "asyncio":
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
                        self.loader = spec.loader
                        spec.loader = self
                    return spec
        except BaseException as exc:
            self._disarm()
            _warn("asyncio import hook failed: %s: %s" % (type(exc).__name__, exc))
        # Let the normal machinery find asyncio (unpatched) on its own.
        return None

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # Disarmed here, not when asyncio is merely found: importlib.util.
        # find_spec("asyncio") must not cost the program its patch.
        self._disarm()
        self.loader.exec_module(module)
        # Leave no trace of ourselves in the module's import metadata.
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        _patch_now()

    def _disarm(self):
        # Replace sys.meta_path instead of mutating it: another thread may be
        # iterating it.
        sys.meta_path = [f for f in sys.meta_path if f is not self]


def _arm():
    if "asyncio" in sys.modules:
        _patch_now()
    elif not any(isinstance(f, _AsyncioFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AsyncioFinder())


try:
    if _enabled():
        _arm()
except BaseException as exc:
    _warn("start-up hook failed: %s: %s" % (type(exc).__name__, exc))
