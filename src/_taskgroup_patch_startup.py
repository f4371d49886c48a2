"""taskgroup_patch's start-up path: what taskgroup_patch.pth imports.

Every interpreter start pays for this module, so it is one top-level module
(a package and its submodule would be two imports) that uses only what
site.py has loaded and does nothing but read TASKGROUP_PATCH and arm the
import hook.  The hook is this module itself, in sys.meta_path: find_spec()
answers for the modules it watches, and as their loader exec_module() runs
the real loader, then hands the module to taskgroup_patch._patch, which
knows what to do with it (patch asyncio, adapt a library or a tool).  A
class would cost start-up time.  On 3.8-3.10 it also arms except* support,
which loads taskgroup_patch.exceptstar only for source that may use except*.

Nothing here may stop the interpreter from starting or make an import fail:
site.py lets SystemExit and KeyboardInterrupt through, so every entry point
catches BaseException and degrades to one warning line.
"""

import sys

ENV_VAR = "TASKGROUP_PATCH"
ON = ("1", "on", "true", "yes")
OFF = ("0", "off", "false", "no")

# The modules taskgroup_patch._patch acts on right after their first import
# (its ON_IMPORT): asyncio, and on 3.8-3.10 the libraries and tools it adapts.
# GAINING: standard modules that gain names on 3.8-3.10 (its GAINED_FROM),
# each given a module __getattr__ and __dir__ that ask the package about a
# name the module lacks; the package is imported only when a program looks
# one up.
if sys.version_info >= (3, 11):
    WATCHED = ("asyncio",)
    GAINING = ()
else:
    WATCHED = ("asyncio", "anyio._backends._asyncio", "async_timeout", "aiohttp.helpers",
               "_pytest.assertion.rewrite", "coverage.python", "coverage.execfile",
               "IPython.core.interactiveshell", "exceptiongroup", "unittest.async_case")
    if sys.version_info < (3, 9):
        # Executor.shutdown(cancel_futures=) (3.9), which _patch puts in place.
        WATCHED += ("concurrent.futures.thread", "concurrent.futures.process")
    GAINING = ("typing", "datetime", "enum", "contextlib", "inspect")
    if sys.version_info < (3, 9):
        GAINING += ("functools",)  # functools.cache

# GAINING modules that gain a few names, while programs ask them for others
# (typing_extensions looks inspect.get_annotations up at every start on 3.8
# and 3.9): the package is imported for these names only.
ONLY = {
    "contextlib": ("aclosing", "AsyncContextDecorator", "chdir"),
    "inspect": ("markcoroutinefunction",),
}

# GAINING module -> the libraries that stand in for it (and copies of them
# vendored as pip._vendor.typing_extensions): they ask hasattr(typing, "X")
# to decide whether to take X, and the rest of that version's typing
# machinery, from the module, so they see it as the interpreter has it.
STAND_INS = {"typing": ("typing_extensions",)}

armed = False  # whether arm() ran: GAINING's names are provided from then on

actions = {}  # watched module name -> function(module), until it is imported
_loaders = {}  # watched module name -> its real loader, once found
_complaint = None  # the warning an unrecognised TASKGROUP_PATCH deserves, until said
# Where except* and its asterisk may meet once these are deleted (blanks, a
# backslash and a newline): a test in C, with false positives only.
_BETWEEN = b" \t\f\\\r\n"


def warn(message):
    if sys.stderr is not None:  # None under pythonw and for some daemons
        try:
            sys.stderr.write("taskgroup_patch: %s\n" % message)
        except BaseException:
            pass


def getenv(name):
    """Return environment variable *name*, or None.

    While this module's start-up code runs, a variable the interpreter was
    started without counts as unset (see _started_with); otherwise
    os.environ has the answer.
    """
    if _started_with is not None:
        value = _started_with.get(name.encode())
        if value is None:
            return None
    # Imported here: a global reference to os, kept alive by the armed hook,
    # makes interpreter exit wipe os late and slowly.
    import os

    return os.environ.get(name)


def setting():
    """Return (patch?, complaint) for TASKGROUP_PATCH in this process.

    The complaint is None, or the warning an unrecognised value deserves.
    """
    value = getenv(ENV_VAR)
    word = (value or "").strip().lower()
    if word in ON or word in OFF:
        return word in ON, None
    complaint = word and "ignoring %s=%r (expected one of %s or %s)" % (
        ENV_VAR, value, "/".join(ON), "/".join(OFF))
    return sys.version_info < (3, 11), complaint or None


def _complain(module=None):
    """Warn about an unrecognised TASKGROUP_PATCH, once per process tree."""
    global _complaint
    if _complaint is not None:
        warn(_complaint)
        _complaint = None
        # Empty means the default, as an unrecognised value does: child
        # interpreters behave the same and do not repeat the warning.
        import os
        os.environ[ENV_VAR] = ""


def _on_import(module):
    """The hook's action: the package's work on a just-imported module."""
    if module.__name__ == "asyncio":
        _complain()
    try:
        from taskgroup_patch import _patch
        _patch.imported(module)
    except BaseException as exc:
        warn("%s left unpatched: %s: %s" % (module.__name__, type(exc).__name__, exc))


def _add_getattr(module):
    """Give a GAINING module a __getattr__ and __dir__ for the names the package adds."""
    namespace = module.__dict__
    if "__getattr__" in namespace:
        return
    stand_ins = STAND_INS.get(module.__name__, ())
    only = ONLY.get(module.__name__)
    # The names looked up so far, if the module has stand-ins: kept here, not
    # in the module, which they must go on seeing as the interpreter made it.
    found = {}

    def __getattr__(name):
        # The package never adds an underscored name, and `from module import
        # x` asks for __path__ each time: those stay as cheap as can be.
        if (name[:1] != "_" and (only is None or name in only)
                and not (stand_ins and _asked_by(stand_ins))):
            if name in found:
                return found[name]
            try:
                from taskgroup_patch import _patch
                value = _patch.gained(module, name)
            except AttributeError:
                raise
            except Exception as exc:
                # hasattr() must still answer, whatever is broken.
                warn("%s.%s not provided: %s: %s" % (
                    module.__name__, name, type(exc).__name__, exc))
            else:
                if stand_ins:
                    found[name] = value
                else:
                    namespace[name] = value  # later lookups are plain attribute reads
                return value
        raise AttributeError("module %r has no attribute %r" % (module.__name__, name))

    def __dir__():
        names = set(namespace)
        try:
            from taskgroup_patch import _patch
            names.update(_patch.gains(module.__name__))
        except Exception as exc:
            warn("%s's added names not listed: %s: %s" % (
                module.__name__, type(exc).__name__, exc))
        return sorted(names)

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__


def _asked_by(libraries):
    """Whether the code that looks a name up in a GAINING module is one of *libraries*'."""
    try:
        asker = sys._getframe(2).f_globals.get("__name__") or ""  # past __getattr__
    except ValueError:  # looked up from C, with no Python code under way
        return False
    return asker.rpartition(".")[2] in libraries


# builtins gains the exception groups (3.11) when the package acts on
# exceptiongroup's import, which patching asyncio does.  Before that, a pickle
# of a group names builtins.ExceptionGroup (in a multiprocessing child, say):
# builtins.__getattr__ imports exceptiongroup for these two names.  Answered
# here, and without importing anything for any other name, because builtins
# is asked for names (__path__, by every `from builtins import ...`) while the
# standard library is still being imported.
BUILTIN_GROUPS = ("BaseExceptionGroup", "ExceptionGroup")


def _builtins_getattr(name):
    if name in BUILTIN_GROUPS:
        import exceptiongroup
        return getattr(exceptiongroup, name)
    raise AttributeError("module 'builtins' has no attribute %r" % name)


# The import hook.

def find_spec(name, path=None, target=None):
    hook = sys.modules[__name__]
    meta_path = sys.meta_path
    if meta_path and meta_path[0] is not hook and hook in meta_path:
        # A finder put in front of us may claim a watched module itself
        # (pytest's assertion rewriter claims anyio): step back to the front;
        # that finder still runs, from here, for what we watch.
        meta_path = meta_path[:]
        meta_path.remove(hook)
        meta_path.insert(0, hook)
        sys.meta_path = meta_path
    if name not in actions:
        return None
    try:
        for finder in meta_path[meta_path.index(hook) + 1:] if hook in meta_path else meta_path:
            spec = getattr(finder, "find_spec", None)
            spec = spec and spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    _loaders[name] = spec.loader
                    spec.loader = hook
                return spec
    except BaseException as exc:
        actions.pop(name, None)
        _disarm_if_done()
        warn("%s import hook failed: %s: %s" % (name, type(exc).__name__, exc))
    return None  # the normal machinery finds the module, unchanged


def create_module(spec):
    return _loaders[spec.name].create_module(spec)


def get_code(name):
    # runpy's `python -m inspect`: a watched module run as __main__, not imported.
    return _loaders[name].get_code(name)


def exec_module(module):
    name = module.__spec__.name
    loader = _loaders.pop(name)
    # Unwatched here, not when merely found (importlib.util.find_spec() must
    # not cost the patch), and before executing: it may import itself again.
    action = actions.pop(name, None)
    _disarm_if_done()
    loader.exec_module(module)
    module.__loader__ = module.__spec__.loader = loader  # no trace of the hook
    if action is not None:
        action(module)


def _disarm_if_done():
    if not actions:
        # A new list, not a mutation: another thread may be iterating it.
        hook = sys.modules[__name__]
        meta_path = sys.meta_path[:]
        while hook in meta_path:
            meta_path.remove(hook)
        sys.meta_path = meta_path


def arm():
    """Act on the watched modules already imported, watch the others; idempotent."""
    global armed
    modules = sys.modules
    for names, action in ((WATCHED, _on_import), (GAINING, _add_getattr)):
        for name in names:
            if name in modules:
                action(modules[name])
            elif name not in actions:
                actions[name] = action
    # Once for all of them, and only if it is not there yet: this runs at
    # every start, and install() runs it again.
    hook = sys.modules[__name__]
    if actions and hook not in sys.meta_path:
        sys.meta_path.insert(0, hook)
    armed = True
    if sys.version_info < (3, 11):
        builtins = sys.modules["builtins"]
        if "__getattr__" not in builtins.__dict__:
            builtins.__getattr__ = _builtins_getattr
        _arm_except_star()


# except* (3.11 syntax) on 3.8-3.10.  The import system calls source_to_code
# only without a fresh .pyc; the interpreter compiles the main script in C
# before any hook, then hands its SyntaxError to sys.excepthook.

def _source_to_code(self, data, path, *, _optimize=-1):
    # SourceLoader.source_to_code.  py_compile (compileall, pip's byte-
    # compiling) writes the standard .pyc, which never holds transformed code.
    if getattr(self, "name", None) != "<py_compile>":
        try:
            # Once loaded (not while), the loader reads its cache first.
            loader = sys.modules.get("taskgroup_patch.exceptstar.loader")
            cached_code = getattr(loader, "cached_code", None)
            code = cached_code and isinstance(data, bytes) and cached_code(
                path, _optimize, len(data))
            if code:
                return code
            # The same test as exceptstar.loader.may_use_except_star().
            source = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
            if (isinstance(source, (bytes, bytearray))
                    and b"except*" in source.translate(None, _BETWEEN) and not _is_ours(path)):
                from taskgroup_patch.exceptstar import loader
                return loader.source_to_code(data, path, _optimize)
        except SyntaxError as exc:
            raise exc.with_traceback(None)
        except Exception as exc:
            warn("except* left unsupported: %s: %s" % (type(exc).__name__, exc))
    return _plain_source_to_code(self, data, path, _optimize=_optimize)


def _is_ours(path):
    # The package compiles as it is: its text may well mention except*.  It
    # is in sys.modules, with its __path__, before any of its modules compiles.
    import os
    path = os.fsdecode(path)
    for folder in getattr(sys.modules.get("taskgroup_patch"), "__path__", ()):
        if path.startswith(os.path.join(folder, "")):
            return True
    return False


def _exception():
    """Return the exception being handled, or None (sys.exception() of 3.11)."""
    return sys.exc_info()[1]


def _arm_except_star():
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
    if (getenv("TASKGROUP_PATCH_COMPILE") or "").strip().lower() in ON:
        from taskgroup_patch.exceptstar import loader
        loader.install_compile()


def _arm_main_script():
    """Have sys.excepthook run `python script.py` if only except* stops it compiling."""
    argv = getattr(sys, "argv", None)
    if not argv or argv[0] in ("", "-c", "-m") or sys.excepthook is not sys.__excepthook__:
        return
    import os
    if not os.path.isfile(argv[0]):  # a pipe read here would be gone for the interpreter
        return
    try:
        with open(argv[0], "rb") as file:
            source = file.read()
        if b"except*" in source.translate(None, _BETWEEN):
            compile(source, argv[0], "exec", 0x400, True)  # ast.PyCF_ONLY_AST
    except SyntaxError:
        from taskgroup_patch.exceptstar import loader
        sys.excepthook = loader.run_main_script
    except Exception:
        pass  # unreadable, or null bytes (a zipapp, a .pyc): not for this hook


# While the start-up code below runs: the environment the interpreter was
# started with, from which os.environ was made (posix.environ; None elsewhere).
# Both variables it reads are usually unset, and this dict says so with one
# lookup, where os.environ.get() raises and catches KeyError twice.
_started_with = getattr(sys.modules.get("posix"), "environ", None)
try:
    _patching, _complaint = setting()
    if _patching:
        arm()
        if sys.version_info < (3, 11):
            _arm_main_script()
    elif _complaint is not None:
        # Said where the setting takes effect, when asyncio is imported: not
        # at every start of pip or of a program that never uses asyncio.
        actions["asyncio"] = _complain
        sys.meta_path.insert(0, sys.modules[__name__])
except BaseException as exc:
    warn("start-up hook failed: %s: %s" % (type(exc).__name__, exc))
_started_with = None
