"""python -m taskgroup_patch: run a script or module with asyncio patched.

    python -m taskgroup_patch [options] [--] script.py [args...]
    python -m taskgroup_patch [options] -m module [args...]

The target runs as ``python script.py`` / ``python -m module`` would run it,
with asyncio patched even if TASKGROUP_PATCH=0, and TASKGROUP_PATCH=1 is
exported so that child interpreters are patched too.
"""

import importlib.machinery
import io
import os
import runpy
import signal
import sys
import types
import zipfile

import taskgroup_patch

USAGE = """\
usage: python -m taskgroup_patch [options] [--] script.py [args...]
       python -m taskgroup_patch [options] -m module [args...]

Run a Python 3.11-style asyncio program on this interpreter, with asyncio
patched (TaskGroup, timeout, Runner, Task.uncancel, ExceptionGroup...).
Child interpreters inherit TASKGROUP_PATCH=1 and are patched too.

options:
  -m module   run a library module as a script, like python -m
  --check     say what is patched on this interpreter, and why, then exit
  --version   print the version and exit
  -h, --help  print this help and exit
"""


class UsageError(Exception):
    pass


def parse(argv):
    """Return (action, target, args) from the command line after the -m."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("-h", "--help"):
            return "help", None, []
        if arg == "--version":
            return "version", None, []
        if arg == "--check":
            return "check", None, []
        if arg == "--":
            index += 1
            break
        if arg == "-m":
            if index + 1 >= len(argv):
                raise UsageError("argument -m: expected a module name")
            return "module", argv[index + 1], argv[index + 2:]
        if arg.startswith("-m"):
            return "module", arg[2:], argv[index + 1:]
        if arg.startswith("-") and arg != "-":
            raise UsageError("unknown option %s" % arg)
        break
    if index >= len(argv):
        raise UsageError("expected a script or -m module")
    return "script", argv[index], argv[index + 1:]


def check():
    """Describe the patch state of this interpreter, as a normal run sees it."""
    version = "%d.%d.%d" % sys.version_info[:3]
    value = os.environ.get(taskgroup_patch._ENV_VAR)
    print("taskgroup_patch %s on %s %s" % (
        taskgroup_patch.__version__, sys.implementation.name, version))
    if value is None:
        setting = "unset"
    else:
        setting = "%s=%r" % (taskgroup_patch._ENV_VAR, value)
    wanted = taskgroup_patch._enabled(warn=False)
    if value is None:
        reason = ("patch: default on 3.8-3.10" if wanted
                  else "no patch: asyncio is native on 3.11+ (TASKGROUP_PATCH=1 opts in)")
    else:
        reason = "patch" if wanted else "no patch: switched off"
    print("%s: %s -> %s" % (taskgroup_patch._ENV_VAR, setting, reason))
    hooked = any(isinstance(f, taskgroup_patch._ImportHook) for f in sys.meta_path)
    pth = not sys.flags.no_site and any(
        os.path.exists(os.path.join(d, "taskgroup_patch.pth")) for d in sys.path)
    print("start-up hook (.pth): %s" % (
        "armed" if hooked else "processed" if pth else "not processed (python -S, "
        "PYTHONPATH or zipapp layout): use python -m taskgroup_patch or install()"))
    changes = taskgroup_patch.installed()
    if not changes and wanted:
        taskgroup_patch.install()
        changes = taskgroup_patch.installed()
    if changes:
        print("replaced in this process:")
        for target, value in changes.items():
            print("  %s -> %s" % (target, value))
    else:
        print("nothing is replaced in this process")
    return 0


def run_target(kind, target, args):
    os.environ[taskgroup_patch._ENV_VAR] = "1"
    taskgroup_patch.install()
    if kind == "script" and not os.path.exists(target):
        raise UsageError("can't open file %r: No such file or directory" % target)
    # The target gets a __main__ module of its own that stays in sys.modules
    # after it returns, as under plain python: threads and atexit handlers
    # may still pickle the classes it defined.
    sys.modules["__main__"] = types.ModuleType("__main__")
    sys.argv[:] = [target] + args
    if kind == "module":
        # What `python -m` itself calls; it also prints "No module named".
        runpy._run_module_as_main(target, alter_argv=True)
    elif os.path.isdir(target) or zipfile.is_zipfile(target):
        # A directory or zipapp runs its __main__.py, with itself on sys.path.
        sys.path[0] = target
        runpy._run_module_as_main("__main__", alter_argv=False)
    else:
        run_script(target)


def run_script(path):
    # python resolves symlinks for sys.path[0]; since 3.9 it makes __file__
    # absolute by prefixing the current directory, without normalizing.
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    filename = path
    if sys.version_info >= (3, 9) and not os.path.isabs(path):
        filename = os.path.join(os.getcwd(), path)
    with io.open_code(path) as f:
        code = compile(f.read(), filename, "exec", dont_inherit=True)
    main = sys.modules["__main__"]
    main.__file__ = filename
    main.__cached__ = None
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", filename)
    exec(code, main.__dict__)


def _strip_runner_frames(tb):
    # The user's traceback starts where their code does, as under plain python.
    while tb is not None and (
            tb.tb_frame.f_code.co_filename == __file__
            or tb.tb_frame.f_globals.get("__name__") == "runpy"):
        tb = tb.tb_next
    return tb


def _report(exc):
    tb = _strip_runner_frames(exc.__traceback__)
    # 3.11+'s default excepthook reads the exception's own traceback.
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)


def main(argv):
    try:
        kind, target, args = parse(argv)
    except UsageError as exc:
        sys.stderr.write("python -m taskgroup_patch: error: %s\n" % exc)
        return 2
    if kind == "help":
        sys.stdout.write(USAGE)
        return 0
    if kind == "version":
        print("taskgroup_patch %s" % taskgroup_patch.__version__)
        return 0
    if kind == "check":
        return check()
    try:
        run_target(kind, target, args)
    except UsageError as exc:
        sys.stderr.write("python -m taskgroup_patch: error: %s\n" % exc)
        return 2
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
