"""The command line, python -m taskgroup_patch: run a target patched, or --check.

    python -m taskgroup_patch [options] [--] script.py [args...]
    python -m taskgroup_patch [options] -m module [args...]
    python -m taskgroup_patch [options] -c code [args...]
    python -m taskgroup_patch --check [--verbose]
    python -m taskgroup_patch --scan PATH...

The target runs as ``python script.py`` / ``python -m module`` /
``python -c code`` would run it, with asyncio patched even if
TASKGROUP_PATCH=0, and TASKGROUP_PATCH=1 is exported so that child
interpreters are patched too.  ``--check`` says what a plain run of this
interpreter patches, and why; ``--scan`` what code uses that this
interpreter lacks and the package does not provide (taskgroup_patch._scan).
"""

import builtins
import importlib.machinery
import io
import os
import runpy
import signal
import sys
import types
import zipfile

import _taskgroup_patch_startup as startup

import taskgroup_patch
from taskgroup_patch import _toplevel

USAGE = """\
usage: python -m taskgroup_patch [options] [--] script.py [args...]
       python -m taskgroup_patch [options] -m module [args...]
       python -m taskgroup_patch [options] -c code [args...]
       python -m taskgroup_patch --check [--verbose]
       python -m taskgroup_patch --scan PATH...

Run a Python 3.11-style asyncio program on this interpreter, with asyncio
patched (TaskGroup, timeout, Runner, Task.uncancel, ExceptionGroup...),
whatever TASKGROUP_PATCH says.  Child interpreters inherit TASKGROUP_PATCH=1
and are patched too.

A normal install needs no runner: on CPython 3.8-3.10 the installed
taskgroup_patch.pth patches asyncio in every program.  The runner is for
where .pth files are not processed (python -S, PYTHONPATH or --target
installs, zipapps); --check says whether they are.

options:
  -c code        run the code string, like python -c
  -m module      run a library module as a script, like python -m
  --check        say what a plain run of this interpreter patches, and why
  -v, --verbose  with --check: also list every replacement
  --scan PATH... report what the code under PATH uses that this Python lacks
                 and the package does not provide (exit 1 if anything);
                 needs vermin: pip install 'taskgroup-patch[scan]'
  -V, --version  print the version and exit
  -h, --help     print this help and exit

TASKGROUP_PATCH (read at every interpreter start):
  0, off, false, no   patch nothing in that process
  1, on, true, yes    patch; on 3.11+ too, where this package's TaskGroup,
                      timeout, Runner and run replace the interpreter's
  unset or empty      patch on 3.8-3.10 only (any other value: the same,
                      with one warning when asyncio is imported)
"""

NATIVE = sys.version_info >= (3, 11)


class UsageError(Exception):
    pass


def parse(argv):
    """Return (action, target, args, verbose) from the command line after the -m."""
    check = verbose = False
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("-h", "--help"):
            return "help", None, [], False
        if arg in ("-V", "--version"):
            return "version", None, [], False
        if arg == "--scan":
            if check or verbose:
                raise UsageError("--scan takes no other option")
            if index + 1 >= len(argv):
                raise UsageError("argument --scan: expected one or more files or folders")
            return "scan", None, argv[index + 1:], False
        if arg == "--check":
            check = True
        elif arg in ("-v", "--verbose"):
            verbose = True
        elif arg == "--":
            index += 1
            break
        elif arg in ("-m", "-c"):
            if index + 1 >= len(argv):
                raise UsageError("argument %s: expected %s" % (
                    arg, "a module name" if arg == "-m" else "the code to run"))
            return _target("module" if arg == "-m" else "code", argv[index + 1],
                           argv[index + 2:], check, verbose)
        elif arg.startswith(("-m", "-c")):
            return _target("module" if arg[1] == "m" else "code", arg[2:],
                           argv[index + 1:], check, verbose)
        elif arg.startswith("-") and arg != "-":
            raise UsageError("unknown option %s" % arg)
        else:
            break
        index += 1
    if check:
        if index < len(argv):
            raise UsageError("--check takes no script")
        return "check", None, [], verbose
    if verbose:
        raise UsageError("--verbose only applies to --check")
    if index >= len(argv):
        raise UsageError("expected a script, -m module or -c code")
    return "script", argv[index], argv[index + 1:], False


def _target(kind, target, args, check, verbose):
    if check or verbose:
        raise UsageError("--check and --verbose take no target")
    return kind, target, args, False


# -- --check -------------------------------------------------------------------

def check(verbose=False):
    """Say what a plain run of this interpreter patches, and why; return the exit status.

    A plain run is what matters, and this process is not one: importing the
    package to run this module arms its hook whether or not the .pth did.
    So the .pth is judged by starting a plain child interpreter.
    """
    import platform

    # Read before asyncio is imported: the hook blanks an invalid value then.
    value = os.environ.get(startup.ENV_VAR)
    patch = startup.setting()[0]
    print("taskgroup_patch %s on %s %s (%s)" % (
        taskgroup_patch.__version__, platform.python_implementation(),
        platform.python_version(), sys.executable))
    here = os.path.dirname(os.path.abspath(taskgroup_patch.__file__))
    print("package: %s" % here)
    for other in _other_copies(here):
        print("  shadows another copy, not used: %s" % other)
    print("%s: %s" % (startup.ENV_VAR, _describe_setting(value, patch)))

    imported = _what_a_plain_start_imports()
    if imported is None:
        runs = False
        print("start-up hook (.pth): could not start a plain interpreter to see")
    elif imported:
        runs = True
        print("start-up hook (.pth): runs at every start here")
        beside = os.path.join(os.path.dirname(os.path.abspath(imported)), "taskgroup_patch")
        if beside != here:
            print("  and imports another copy: %s" % os.path.dirname(imported))
    else:
        runs = False
        print("start-up hook (.pth): NOT processed here, so a plain run is not patched")
        print("  (%s)" % _why_not_processed())
        print("  use python -m taskgroup_patch script.py, or call taskgroup_patch.install()")

    failure = _dependency_failure()
    if failure is None:
        try:
            taskgroup_patch.install()
        except Exception as exc:
            failure = "%s: %s" % (type(exc).__name__, exc)
    if failure is not None:
        print("asyncio: cannot be patched: %s" % failure)
        return 1
    changes = taskgroup_patch.installed()
    # The names standard modules gain (typing.Self...) are said on a line of their own.
    gained = [target for target in changes if target.partition(".")[0] in startup.GAINING]
    replaced = len(changes) - len(gained)
    if runs and patch:
        # The Task replacement is named, by the asyncio module it stands for
        # (taskgroup_patch.tasks.Task; --verbose gives where it is defined):
        # tools, the project's stdlib-suite among them, read this line as the
        # sign that asyncio is patched.
        task = "asyncio.Task"
        if task in changes:
            short = changes[task].replace(".backport.", ".", 1)
            count = "%s -> %s and %d more replacements" % (task, short, replaced - 1)
        else:
            count = "%d replacements" % replaced
        print("asyncio: patched in a plain run (%s; --verbose lists them):" % count)
    else:
        print("asyncio: nothing is replaced in a plain run; the runner and install() "
              "replace (%d; --verbose lists them):" % replaced)
    for line in _summary(changes):
        print("  " + line)
    if gained:
        print(_gained_status(gained, runs and patch))
    print(_exceptstar_status())
    print(_exceptions_status())
    print(*_library_status(), sep="\n  ")
    if verbose:
        print("every replacement (%d):" % len(changes))
        for target, now in changes.items():
            print("  %s -> %s" % (target, now))
    return 0


def _other_copies(here):
    """Other taskgroup_patch packages on sys.path, which this one shadows."""
    seen = {os.path.realpath(here)}
    copies = []
    for entry in sys.path:
        candidate = os.path.join(entry or os.getcwd(), "taskgroup_patch")
        if (os.path.isfile(os.path.join(candidate, "__init__.py"))
                and os.path.realpath(candidate) not in seen):
            seen.add(os.path.realpath(candidate))
            copies.append(candidate)
    return copies


def _describe_setting(value, patch):
    default = ("patch (the default on 3.8-3.10)" if not NATIVE else
               "no patch (the default: asyncio is native on 3.11+; %s=1 opts in)"
               % startup.ENV_VAR)
    if value is None:
        return "unset -> " + default
    word = value.strip().lower()
    if not word:
        return "%r (empty: the default) -> %s" % (value, default)
    if word in startup.ON:
        if NATIVE:
            return ("%r -> patch (this package's TaskGroup, timeout, Runner and run "
                    "replace the interpreter's)" % value)
        return "%r -> patch" % value
    if word in startup.OFF:
        return "%r -> no patch (switched off; the runner patches anyway)" % value
    return "%r is not a valid value (expected %s or %s; unset or empty: the default) -> %s" % (
        value, "/".join(startup.ON), "/".join(startup.OFF), default)


# The .pth imports the start-up module on 3.11+ only when TASKGROUP_PATCH is
# set: "0" makes it import without arming anything, and says nothing.
_PLAIN_START = ("import sys; m = sys.modules.get(%r); "
                "print(getattr(m, '__file__', None) or '')" % startup.__name__)


def _what_a_plain_start_imports():
    """Return the start-up module a plain start's .pth imported, '' if none, None if unknown."""
    import subprocess

    env = dict(os.environ)
    env.setdefault(startup.ENV_VAR, "0")
    # The flags this interpreter was started with (-S, -I, -E, -s...).
    command = [sys.executable, *subprocess._args_from_interpreter_flags(), "-c", _PLAIN_START]
    try:
        result = subprocess.run(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, universal_newlines=True,
                                timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip()


def _why_not_processed():
    if sys.flags.no_site:
        return "python -S skips site-packages and every .pth file"
    where = [entry for entry in sys.path
             if os.path.isfile(os.path.join(entry or os.getcwd(), "taskgroup_patch.pth"))]
    if not where:
        return "no taskgroup_patch.pth on sys.path"
    import site

    user = site.getusersitepackages() if hasattr(site, "getusersitepackages") else None
    if sys.flags.no_user_site and user in where:
        return "python -s skips the user site-packages, where it is installed"
    return ("%s is on sys.path through PYTHONPATH or --target, not as a site "
            "directory: its .pth files are not read" % where[0])


def _dependency_failure():
    # Needed on 3.11+ too, where TASKGROUP_PATCH=1 and the runner use it.
    try:
        import exceptiongroup  # noqa: F401
    except (Exception, SystemExit) as exc:
        return "its dependency exceptiongroup: %s: %s (pip install exceptiongroup)" % (
            type(exc).__name__, exc)
    return None


_MANY = 5  # a module giving this many names on first use is counted, not listed


def _summary(changes):
    """The names replaced or added, by module; modules and dunder names left out."""
    import textwrap

    names = {}
    for target, value in changes.items():
        if target in _ON_THE_EXCEPTIONS_LINE:
            continue
        owner, _, name = target.rpartition(".")
        module = sys.modules.get(owner)
        if module is None or name.startswith("__") or owner not in ("asyncio", "builtins"):
            continue
        # Names added on first use are counted by the module that gives them,
        # and named unless it gives many (asyncio.graph's seven).
        source = None if name in module.__dict__ else value.rpartition(".")[0]
        if not isinstance(getattr(module, name, None), types.ModuleType):
            names.setdefault(owner, []).append((name, source))
    if not names:
        return ["nothing"]
    lines = []
    for owner, listed in names.items():
        sources = [source for _, source in listed]
        shown = []
        for name, source in listed:
            count = sources.count(source) if source else 0
            if count < _MANY:
                shown.append(name)
            elif "%d names of %s" % (count, source) not in shown:
                shown.append("%d names of %s" % (count, source))
        lines += textwrap.wrap("%s: %s" % (owner, ", ".join(shown)), 76,
                               subsequent_indent="  ")
    return lines


def _gained_status(gained, plain):
    """One line on the names standard modules gain, by module (--verbose lists them)."""
    counts = {}
    for target in gained:
        module = target.partition(".")[0]
        counts[module] = counts.get(module, 0) + 1
    where = ", ".join("%s %d" % item for item in counts.items())
    if plain:
        return "stdlib: %d newer names added on first use (%s)" % (len(gained), where)
    return ("stdlib: nothing added in a plain run; the runner and install() add %d "
            "newer names on first use (%s)" % (len(gained), where))


def _exceptstar_status():
    """One line on except*: where it compiles in a plain run, and in this one."""
    if NATIVE:
        return "except*: the interpreter's own (3.11+)"
    try:
        from taskgroup_patch.exceptstar import loader
    except Exception as exc:
        return "except*: cannot say: %s: %s" % (type(exc).__name__, exc)
    source_loader = sys.modules["_frozen_importlib_external"].SourceLoader
    here = source_loader.__dict__.get("source_to_code") is startup._source_to_code
    ways = "imported modules (python -m too), pytest's test files"
    if startup.setting()[0]:
        line = "except*: compiled in a plain run for %s, python script.py" % ways
    elif here:
        line = ("except*: not in a plain run (%s=%s); python -m taskgroup_patch and "
                "install() compile it for %s, the runner's script"
                % (startup.ENV_VAR, os.environ.get(startup.ENV_VAR), ways))
    else:
        return "except*: off in this process: the interpreter's SyntaxError"
    if builtins.compile is loader.compile:
        return line + "; and compile() (%s=1)" % loader.COMPILE_VAR
    return line + "; compile() only with %s=1" % loader.COMPILE_VAR


# What _exceptions_status() names, and the summary of replacements leaves out.
_ON_THE_EXCEPTIONS_LINE = ("builtins.BaseExceptionGroup", "builtins.ExceptionGroup")


def _exceptions_status():
    """One line on 3.11's exceptions: add_note, the groups as builtins, their tracebacks."""
    if NATIVE:
        return "exceptions: the interpreter's own (3.11+)"
    what = "BaseException.add_note, ExceptionGroup and BaseExceptionGroup in builtins"
    if os.environ.get("EXCEPTIONGROUP_NO_PATCH") == "1":
        what += " (tracebacks as exceptiongroup leaves them: EXCEPTIONGROUP_NO_PATCH=1)"
    else:
        what += ", 3.13's group tracebacks"
    if "add_note" not in BaseException.__dict__:
        return "exceptions: NOT active in this process: " + what
    if startup.setting()[0]:
        return "exceptions: %s, in a plain run from the import of asyncio (or exceptiongroup)" % what
    return ("exceptions: not in a plain run (%s=%s); python -m taskgroup_patch and "
            "install() add %s" % (startup.ENV_VAR, os.environ.get(startup.ENV_VAR), what))


def _library_status():
    try:
        from taskgroup_patch import adapters
    except ImportError:
        return ["libraries: no adaptations in this version"]
    try:
        lines = list(adapters.status())
    except Exception as exc:
        return ["libraries: cannot say: %s: %s" % (type(exc).__name__, exc)]
    if not lines:
        return ["libraries: none adapted in this process"]
    if len(lines) == 1 and lines[0].startswith("libraries:"):
        return lines  # a whole answer, such as "nothing to adapt on 3.11+"
    return ["libraries:", *lines]


# -- running a target --------------------------------------------------------------

def _set_path0(entry):
    # python puts the script's directory ('' for -c) first on sys.path, and
    # so did `python -m taskgroup_patch` with the current one -- except
    # under -I (and -P on 3.11+), where neither adds anything to replace.
    if not (sys.flags.isolated or getattr(sys.flags, "safe_path", False)):
        sys.path[0] = entry


def run_target(kind, target, args):
    os.environ[startup.ENV_VAR] = "1"
    taskgroup_patch.install()
    if not NATIVE:
        # What the target compiles reads except* too: the script a debugger,
        # profiler or tracer runs (-m pdb/cProfile/profile/trace script.py),
        # a zipapp's modules, doctest.
        try:
            from taskgroup_patch.exceptstar import loader
        except ImportError:
            pass
        else:
            loader.install_compile()
    if kind == "script" and not os.path.exists(target):
        raise UsageError("can't open file %r: No such file or directory" % target)
    # The target gets a __main__ module of its own that stays in sys.modules
    # after it returns, as under plain python: threads and atexit handlers
    # may still pickle the classes it defined.
    sys.modules["__main__"] = types.ModuleType("__main__")
    if kind == "module":
        sys.argv[:] = [target] + args
        # What `python -m` itself calls; it also prints "No module named".
        _toplevel.call_at_top(runpy._run_module_as_main, target, True)
    elif kind == "code":
        sys.argv[:] = ["-c"] + args
        run_code(target)
    elif os.path.isdir(target) or zipfile.is_zipfile(target):
        sys.argv[:] = [target] + args
        # A directory or zipapp runs its __main__.py, with itself on sys.path
        # (python adds it even under -I).
        if sys.flags.isolated or getattr(sys.flags, "safe_path", False):
            sys.path.insert(0, target)
        else:
            sys.path[0] = target
        _toplevel.call_at_top(runpy._run_module_as_main, "__main__", False)
    else:
        sys.argv[:] = [target] + args
        run_script(target)


def run_code(source):
    _set_path0("")
    if sys.version_info >= (3, 13):
        # As python -c since 3.13: tracebacks show the lines of the string.
        import linecache
        lines = [line + "\n" for line in source.splitlines()]
        linecache.cache["<string>"] = (len(source), None, lines, "<string>")
    code = compile(source, "<string>", "exec", dont_inherit=True)
    main = sys.modules["__main__"]
    main.__loader__ = importlib.machinery.BuiltinImporter
    _toplevel.call_at_top(exec, code, main.__dict__)


def run_script(path):
    # python resolves symlinks for sys.path[0]; since 3.9 it makes __file__
    # absolute by prefixing the current directory, without normalizing.
    _set_path0(os.path.dirname(os.path.realpath(path)))
    filename = path
    if sys.version_info >= (3, 9) and not os.path.isabs(path):
        filename = os.path.join(os.getcwd(), path)
    with io.open_code(path) as f:
        code = compile(f.read(), filename, "exec", dont_inherit=True)
    main = sys.modules["__main__"]
    main.__file__ = filename
    main.__cached__ = None
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", filename)
    _toplevel.call_at_top(exec, code, main.__dict__)


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _strip_runner_frames(tb):
    # The user's traceback starts where their code does, as under plain
    # python: not in this module, runpy, or the except* compile() (whose
    # SyntaxError python reports with no traceback at all).
    while tb is not None and (
            os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_PACKAGE)
            or tb.tb_frame.f_globals.get("__name__") == "runpy"):
        tb = tb.tb_next
    return tb


def _report(exc):
    tb = _strip_runner_frames(exc.__traceback__)
    # 3.11+'s default excepthook reads the exception's own traceback.
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)


def _usage_error(message):
    sys.stderr.write("python -m taskgroup_patch: error: %s\n" % message)
    return 2


def main(argv):
    if not argv:
        sys.stderr.write(USAGE)
        return 2
    try:
        kind, target, args, verbose = parse(argv)
    except UsageError as exc:
        return _usage_error(exc)
    if kind == "help":
        sys.stdout.write(USAGE)
        return 0
    if kind == "version":
        print("taskgroup_patch %s" % taskgroup_patch.__version__)
        return 0
    if kind == "check":
        return check(verbose)
    if kind == "scan":
        from taskgroup_patch import _scan
        return _scan.main(args)
    try:
        run_target(kind, target, args)
    except UsageError as exc:
        return _usage_error(exc)
    except SystemExit:
        raise
    except KeyboardInterrupt as exc:
        _report(exc)
        # Die of SIGINT, as the interpreter does, so the caller sees it.
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return 130
    except BaseException as exc:
        _report(exc)
        return 1
    return 0
