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
        _arm_except_star()


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
        meta_path = sys.meta_path
        if meta_path and meta_path[0] is not self and self in meta_path:
            # A finder inserted in front of us may claim a watched module
            # itself: pytest's assertion rewriter claims every package that
            # ships a pytest plugin, anyio among them.  Step back to the
            # front; that finder still runs, from here, for what we watch.
            sys.meta_path = meta_path = [self] + [f for f in meta_path if f is not self]
        if name not in self.actions:
            return None
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
        _arm_except_star()
        _arm_main_script()


def _watch_libraries():
    for name in _ADAPTED_MODULES:
        if name in sys.modules:
            _adapt(sys.modules[name])
        elif name not in _hook.actions:
            _hook.watch(name, _adapt)


# except* (3.11 syntax) on 3.8-3.10.  taskgroup_patch._exceptstar compiles
# it, and is imported only for a source that may use it: the import system
# calls source_to_code only without a fresh .pyc, pytest reads test files
# through its own loader, and the interpreter compiles the main script in C
# before any hook, then hands its SyntaxError to sys.excepthook.

def _may_use_except_star(source):
    """Say whether *source* may use except*: never False when it does."""
    if isinstance(source, str):
        source = source.encode("utf-8", "surrogatepass")
    elif not isinstance(source, (bytes, bytearray)):
        return False  # an AST, or a buffer: compiled as given
    # Without the characters that may separate them (spaces, a backslash and
    # a newline), except and * meet: one pass in C, false positives only.
    return b"except*" in source.translate(None, b" \t\f\\\r\n")


def _source_to_code(self, data, path, *, _optimize=-1):
    # SourceLoader.source_to_code.  py_compile (compileall, pip's
    # byte-compiling at install time) writes the standard .pyc itself, which
    # must never hold transformed code: it keeps the interpreter's compile.
    if getattr(self, "name", None) != "<py_compile>":
        # Once loaded (not while), it reads its cache before the source is searched.
        cached_code = getattr(sys.modules.get("taskgroup_patch._exceptstar"), "cached_code", None)
        try:
            code = cached_code and isinstance(data, bytes) and cached_code(
                path, _optimize, len(data))
            if code:
                return code
            if _may_use_except_star(data) and not _is_ours(path):
                from taskgroup_patch import _exceptstar
                return _exceptstar.source_to_code(data, path, _optimize)
        except SyntaxError as exc:
            raise exc.with_traceback(None)
        except Exception as exc:
            _warn("except* left unsupported: %s: %s" % (type(exc).__name__, exc))
    return _plain_source_to_code(self, data, path, _optimize=_optimize)


def _is_ours(path):
    # This package's own modules compile as they are: _exceptstar compiles
    # with them, and their text may well mention except*.
    import os
    return os.fsdecode(path).startswith(os.path.join(__path__[0], ""))


def _exception():
    """Return the exception being handled, or None (sys.exception() of 3.11)."""
    return sys.exc_info()[1]


def _arm_except_star():
    """Compile except* in imported modules, pytest's test files, and opted-in compile()."""
    global _plain_source_to_code
    if not hasattr(sys, "exception"):
        sys.exception = _exception
    loader = sys.modules["_frozen_importlib_external"].SourceLoader
    if loader.__dict__["source_to_code"] is not _source_to_code:
        _plain_source_to_code = loader.source_to_code
        # importlib leaves its own frames out of an import's traceback, up to
        # the one so named: this one goes with them.
        _source_to_code.__code__ = _source_to_code.__code__.replace(
            co_filename=_plain_source_to_code.__code__.co_filename,
            co_name="_call_with_frames_removed")
        loader.source_to_code = _source_to_code
    import os
    if os.environ.get("TASKGROUP_PATCH_COMPILE", "").strip().lower() in _ON:
        from taskgroup_patch import _exceptstar
        _exceptstar.install_compile()
    name = "_pytest.assertion.rewrite"
    if name in sys.modules:
        _adapt_pytest(sys.modules[name])
    elif name not in _hook.actions:
        _hook.watch(name, _adapt_pytest)


def _adapt_pytest(module):
    try:
        from taskgroup_patch import _exceptstar_pytest
        _exceptstar_pytest.adapt(module)
    except BaseException as exc:
        _warn("pytest left without except*: %s: %s" % (type(exc).__name__, exc))


def _arm_main_script():
    """Have sys.excepthook run `python script.py` if its script uses except*."""
    argv = getattr(sys, "argv", None)
    if not argv or argv[0] in ("", "-c", "-m") or sys.excepthook is not sys.__excepthook__:
        return
    import os
    # A regular file only: a pipe read here would be gone for the interpreter.
    if not os.path.isfile(argv[0]):
        return
    try:
        with open(argv[0], "rb") as file:
            source = file.read()
    except OSError:
        return
    if _may_use_except_star(source):
        # Only a script the interpreter cannot compile: any other keeps the
        # interpreter's excepthook.
        try:
            compile(source, argv[0], "exec", 0x400, True)  # ast.PyCF_ONLY_AST
        except SyntaxError:
            sys.excepthook = _run_main_script
        except Exception:
            pass  # null bytes (a zipapp, a .pyc): not a script for this hook


def _run_main_script(*exc_info):
    # Put back the interpreter's hook first: exceptiongroup installs its own
    # only if it finds that one when the script imports it.
    if sys.excepthook is _run_main_script:
        sys.excepthook = sys.__excepthook__
    try:
        from taskgroup_patch import _exceptstar
        run = _exceptstar.run_main_script
    except BaseException:
        run = sys.__excepthook__
    run(*exc_info)


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
