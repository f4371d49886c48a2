"""Start-up contract (DESIGN §2): the .pth hook, TASKGROUP_PATCH, install().

Every check runs in a real child interpreter: this venv's python, which has
the built wheel (and so taskgroup_patch.pth) installed.  conftest.PATCHED
says whether the interpreter is patched by default (3.8-3.10) or native
(3.11+, where TASKGROUP_PATCH=1 opts in).
"""

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import taskgroup_patch
from conftest import PATCHED, base_python, clean_env, run_python

NATIVE = sys.version_info >= (3, 11)
OURS = "taskgroup_patch.backport.taskgroups"
HEAVY = ("asyncio", "wrapt", "exceptiongroup")
PURELIB = sysconfig.get_paths()["purelib"]
TIMEOUT = 30

# Prints where asyncio.TaskGroup comes from and what the package reports.
PROBE = """
import json, sys
import asyncio
import taskgroup_patch
tg = getattr(asyncio, "TaskGroup", None)
print(json.dumps({
    "taskgroup": tg and tg.__module__,
    "uncancel": hasattr(asyncio.Task, "uncancel"),
    "installed": len(taskgroup_patch.installed()),
    # Hooks still waiting for asyncio (one may stay on for adapted libraries).
    "finders": sum("asyncio" in getattr(f, "actions", ()) for f in sys.meta_path),
}))
"""

# Identity of everything the patch of asyncio may touch, to compare two
# processes.  (Standard modules that gain names, such as typing, gain them
# whether or not asyncio could be patched: their names are left out.)
FINGERPRINT = """
import asyncio, builtins, concurrent.futures, json, sys
import asyncio.base_events
import taskgroup_patch
from _taskgroup_patch_startup import GAINING

def ident(value):
    if isinstance(value, (str, int, float, tuple, list, type(None))):
        return repr(value)
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    return "%s.%s" % (getattr(value, "__module__", None), name)

def namespace(module):
    return {k: ident(v) for k, v in vars(module).items() if not k.startswith("__")}

print(json.dumps({
    "asyncio": namespace(asyncio),
    "asyncio.__all__": list(asyncio.__all__),
    "submodules": {m: namespace(sys.modules[m]) for m in sorted(sys.modules)
                   if m.startswith("asyncio.")},
    "builtins": sorted(n for n in dir(builtins) if "Group" in n),
    "BaseEventLoop.create_task": ident(asyncio.base_events.BaseEventLoop.create_task),
    "concurrent.futures.TimeoutError": ident(concurrent.futures.TimeoutError),
    "Task is the C task": asyncio.Task is sys.modules["_asyncio"].Task,
    "installed": {target: now for target, now in taskgroup_patch.installed().items()
                  if target.partition(".")[0] not in GAINING},
}, sort_keys=True))
"""

# A 3.11-style program: fails loudly if the names it uses do not work.
PROGRAM = """
import asyncio

async def child(n):
    await asyncio.sleep(0)
    if n == 2:
        raise ValueError(n)
    return n

async def main():
    results = []
    try:
        async with asyncio.TaskGroup() as tg:
            for n in range(3):
                results.append(tg.create_task(child(n)))
    except ExceptionGroup as group:
        errors = [repr(e) for e in group.exceptions]
    async with asyncio.timeout(10):
        await asyncio.sleep(0)
    print([t.result() for t in results[:2]], errors)

asyncio.run(main())
"""
PROGRAM_OUTPUT = "[0, 1] ['ValueError(2)']\n"


def expected_taskgroup(patched):
    """What asyncio.TaskGroup.__module__ is in a child."""
    if patched:
        return OURS
    return "asyncio.taskgroups" if NATIVE else None


def probe(*args, env=None, code=PROBE, **kwargs):
    result = run_python(*args, code=code, env=env or clean_env(), timeout=TIMEOUT, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def stderr_lines(result):
    return result.stderr.splitlines()


STARTUP = "_taskgroup_patch_startup"
# The start-up module is itself the import hook in sys.meta_path.
FINDER_COUNT = ("import sys; print(sum(f is sys.modules.get(%r) for f in sys.meta_path))"
                % STARTUP)


def bare_venv(tmp_path):
    """A new venv without pip; return (python, site-packages)."""
    venv = tmp_path / "venv"
    subprocess.run([base_python(), "-m", "venv", "--without-pip", str(venv)],
                   check=True, capture_output=True, timeout=120)
    python = str(venv / "bin" / "python")
    site_packages = run_python(code="import sysconfig; print(sysconfig.get_paths()['purelib'])",
                               python=python).stdout.strip()
    return python, site_packages


def put_our_files(site_packages):
    """Copy the installed package, start-up module and .pth, as pip laid them out here."""
    shutil.copytree(os.path.dirname(taskgroup_patch.__file__),
                    os.path.join(site_packages, "taskgroup_patch"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("taskgroup_patch.pth", STARTUP + ".py"):
        shutil.copy(os.path.join(PURELIB, name), site_packages)


# -- 1. laziness ---------------------------------------------------------------


@pytest.mark.parametrize("switch", [None, "1", "0"])
def test_bare_start_imports_none_of_asyncio_wrapt_exceptiongroup(switch):
    code = "import sys; print(sorted(m for m in %r if m in sys.modules))" % (HEAVY,)
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH=switch))
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


@pytest.mark.parametrize("switch", [None, "0", "1"])
def test_start_up_imports_the_hook_module(switch):
    # Guards the laziness checks above: the .pth really ran in these children.
    # It imports the start-up module everywhere (an import line without a
    # condition costs site.py less to compile, twice per start in a venv);
    # where it may not patch, that module arms nothing (tested below).
    code = "import sys; print(%r in sys.modules)" % STARTUP
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH=switch))
    assert (result.stdout, result.stderr) == ("True\n", "")


def test_importing_the_package_and_hook_stays_lazy():
    code = ("import taskgroup_patch, sys\n"
            "print(sorted(m for m in %r if m in sys.modules))" % (HEAVY,))
    result = run_python(code=code)
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


@pytest.mark.parametrize("switch", [None, "1"])
def test_start_up_adds_only_the_hook_modules(tmp_path, switch):
    # The same fresh venv before and after the package's files are put in it;
    # a control .pth makes site.py's own cost of reading a .pth equal in both.
    python, site_packages = bare_venv(tmp_path)
    with open(os.path.join(site_packages, "control.pth"), "w") as f:
        f.write("# nothing to do\n")
    code = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    env = clean_env(TASKGROUP_PATCH=switch)
    before = set(json.loads(run_python(code=code, python=python, env=env).stdout))
    put_our_files(site_packages)
    result = run_python(code=code, python=python, env=env)
    assert result.stderr == ""
    after = set(json.loads(result.stdout))
    assert after - before == {STARTUP}


def imported_at_start(python, env):
    """The modules `python -X importtime -c pass` reports importing."""
    result = run_python("-X", "importtime", "-c", "pass", python=python, env=env)
    assert result.returncode == 0, result.stderr
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines()
            if re.match(r"import time:\s+\d+ \|", line)}


@pytest.mark.parametrize("switch", [None, "1"])
def test_importtime_of_a_bare_start_shows_only_the_start_up_module_of_ours(tmp_path, switch):
    # Issue 22: what every interpreter start pays for is one module of ours, imported
    # (not merely left in sys.modules); nothing of the package, no dependency.
    python, site_packages = bare_venv(tmp_path)
    with open(os.path.join(site_packages, "control.pth"), "w") as f:
        f.write("# nothing to do\n")
    env = clean_env(TASKGROUP_PATCH=switch)
    before = imported_at_start(python, env)
    put_our_files(site_packages)
    after = imported_at_start(python, env)
    assert "site" in before
    assert after - before == {STARTUP}


@pytest.mark.parametrize("switch, armed", [(None, PATCHED), ("1", True), ("0", False),
                                           ("off", False)])
def test_finder_is_armed_at_start_up_only_when_patching(switch, armed):
    result = run_python(code=FINDER_COUNT, env=clean_env(TASKGROUP_PATCH=switch))
    assert (result.stdout, result.stderr) == ("%d\n" % armed, "")


# -- 2. import asyncio patches -------------------------------------------------


@pytest.mark.parametrize("switch, patched", [(None, PATCHED), ("1", True)])
def test_import_asyncio_patches_then_the_finder_leaves(switch, patched):
    out, err = probe(env=clean_env(TASKGROUP_PATCH=switch))
    assert err == ""
    assert out["taskgroup"] == expected_taskgroup(patched)
    assert out["finders"] == 0
    assert out["uncancel"] is (patched or NATIVE)
    assert (out["installed"] > 0) is patched


def test_a_watched_module_runs_as_main():
    # runpy asks the loader of a module it finds for its code: `python -m
    # inspect` runs inspect, which the hook watches on 3.8-3.10, as __main__.
    result = run_python("-m", "inspect", "sys", timeout=TIMEOUT)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "Can't get info for builtin modules.\n"


@pytest.mark.parametrize("switch, patched", [(None, PATCHED), ("1", True)])
def test_finding_asyncio_without_importing_it_keeps_the_hook_armed(switch, patched):
    # Plugin loaders and optional-dependency checks ask whether a module
    # exists long before anything imports it.
    code = "import importlib.util\nassert importlib.util.find_spec('asyncio')\n" + PROBE
    out, err = probe(env=clean_env(TASKGROUP_PATCH=switch), code=code)
    assert err == ""
    assert out["taskgroup"] == expected_taskgroup(patched)
    assert out["finders"] == 0


def test_patched_asyncio_has_the_interpreters_loader_and_no_trace_of_the_hook():
    code = """
    import importlib.machinery
    import asyncio
    import asyncio.tasks
    for module in (asyncio, asyncio.tasks):
        assert type(module.__loader__) is importlib.machinery.SourceFileLoader, module.__loader__
        assert module.__spec__.loader is module.__loader__, module.__spec__
        assert module.__spec__.name == module.__name__
        assert module.__spec__.origin == module.__file__
    print("ok")
    """
    # Opted in, so that the hook loads asyncio on every interpreter.
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="1"), timeout=TIMEOUT)
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr


@pytest.mark.parametrize("switch", [None, "1"])
def test_a_311_style_program_runs(switch):
    result = run_python(code=PROGRAM, env=clean_env(TASKGROUP_PATCH=switch), timeout=TIMEOUT)
    assert (result.returncode, result.stdout, result.stderr) == (0, PROGRAM_OUTPUT, "")


# -- 3. TASKGROUP_PATCH values -------------------------------------------------


@pytest.mark.parametrize("value", ["0", "off", "OFF", "False", " no ", "\tNo\n", "  false"])
def test_off_values_switch_patching_off(value):
    out, err = probe(env=clean_env(TASKGROUP_PATCH=value))
    assert err == ""
    assert out["taskgroup"] == expected_taskgroup(False)
    assert out["installed"] == 0


@pytest.mark.parametrize("value", ["1", "on", "ON", "True", " yes ", "Yes\n", "\ttrue"])
def test_on_values_patch_also_on_311_and_later(value):
    out, err = probe(env=clean_env(TASKGROUP_PATCH=value))
    assert err == ""
    assert out["taskgroup"] == OURS
    assert out["installed"] > 0


def test_unset_patches_only_on_38_to_310():
    out, err = probe(env=clean_env(TASKGROUP_PATCH=None))
    assert err == ""
    assert out["taskgroup"] == expected_taskgroup(PATCHED)


def test_empty_value_is_the_default_without_a_warning():
    out, err = probe(env=clean_env(TASKGROUP_PATCH=""))
    assert err == ""
    assert out["taskgroup"] == expected_taskgroup(PATCHED)


@pytest.mark.parametrize("value", ["maybe", "2", "enable", "o n"])
def test_bad_value_warns_one_line_then_keeps_the_default(value):
    out, err = probe(env=clean_env(TASKGROUP_PATCH=value))
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("taskgroup_patch:")
    assert "TASKGROUP_PATCH" in lines[0] and repr(value) in lines[0]
    assert out["taskgroup"] == expected_taskgroup(PATCHED)


BOGUS_WARNING = ("taskgroup_patch: ignoring TASKGROUP_PATCH='bogus' "
                 "(expected one of 1/on/true/yes or 0/off/false/no)\n")


def imports_asyncio(*args):
    result = run_python("-X", "importtime", *args, env=clean_env(TASKGROUP_PATCH="0"),
                        timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return any(line.split("|")[-1].strip() == "asyncio" for line in result.stderr.splitlines())


@pytest.mark.parametrize("args", [["-c", "pass"], ["-c", "import json, sys"],
                                  ["-m", "pip", "--version"]], ids=["pass", "json", "pip"])
def test_bad_value_is_not_said_where_asyncio_is_not_imported(args):
    # pip 23.0 (what ensurepip gives 3.8-3.10 here) imports asyncio through
    # its vendored tenacity; newer pips do not.  Where it does, it is told.
    expected = BOGUS_WARNING if imports_asyncio(*args) else ""
    result = run_python(*args, env=clean_env(TASKGROUP_PATCH="bogus"), timeout=TIMEOUT)
    assert (result.returncode, result.stderr) == (0, expected)


def test_bad_value_is_said_once_where_asyncio_is_imported():
    env = clean_env(TASKGROUP_PATCH="bogus")
    # Once per process tree: not again in a child that imports asyncio too.
    code = """
    import asyncio, subprocess, sys
    subprocess.run([sys.executable, "-c", "import asyncio"], check=True)
    import importlib; importlib.reload(asyncio)
    """
    result = run_python(code=code, env=env, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert result.stderr == BOGUS_WARNING


# -- 4. -I and -S --------------------------------------------------------------


@pytest.mark.parametrize("switch, patched", [(None, PATCHED), ("1", True), ("0", False)])
def test_isolated_mode_still_reads_the_switch_and_patches(switch, patched):
    out, err = probe("-I", env=clean_env(TASKGROUP_PATCH=switch))
    assert err == ""
    assert out["taskgroup"] == expected_taskgroup(patched)


@pytest.mark.parametrize("switch", [None, "1"])
def test_no_site_mode_does_not_patch(switch):
    code = """
    import sys
    import asyncio
    tg = getattr(asyncio, "TaskGroup", None)
    print(tg and tg.__module__, any("taskgroup_patch" in m for m in sys.modules))
    """
    result = run_python("-S", code=code, env=clean_env(TASKGROUP_PATCH=switch))
    assert (result.stdout, result.stderr) == ("%s False\n" % expected_taskgroup(False), "")


@pytest.mark.parametrize("order", ["install-then-import", "import-then-install"])
@pytest.mark.parametrize("switch", [None, "0"])
def test_no_site_mode_then_install_patches(order, switch):
    # Under -S site-packages is not on sys.path: put it there by hand, as a
    # program would that vendors its dependencies.
    code = """
    import sys
    sys.path.append(sys.argv[1])
    import taskgroup_patch
    if sys.argv[2] == "import-then-install":
        import asyncio
    taskgroup_patch.install()
    import asyncio
    print(asyncio.TaskGroup.__module__, hasattr(asyncio.Task, "uncancel"),
          len(taskgroup_patch.installed()) > 0)
    """
    result = run_python("-S", "-c", textwrap.dedent(code), PURELIB, order,
                        env=clean_env(TASKGROUP_PATCH=switch), timeout=TIMEOUT)
    assert (result.stdout, result.stderr) == ("%s True True\n" % OURS, "")


# -- 5. the .pth line executed twice (venvs, CPython gh-75723) ----------------


def test_pth_line_executed_twice_arms_one_finder_and_patches_once():
    code = """
    import os, site, sys
    site_packages = sys.argv[1]
    with open(os.path.join(site_packages, "taskgroup_patch.pth")) as f:
        line = f.read().strip()
    exec(line)
    exec(line)
    site.addsitedir(site_packages)
    site.addsitedir(site_packages)
    armed = sum(f is sys.modules["_taskgroup_patch_startup"] for f in sys.meta_path)
    import asyncio
    from taskgroup_patch import _patch
    changes = [(id(owner), name) for owner, name, _ in _patch._changes]
    left = sum("asyncio" in getattr(f, "actions", ()) for f in sys.meta_path)
    print(armed, left, asyncio.TaskGroup.__module__,
          len(changes) > 0 and len(changes) == len(set(changes)))
    """
    result = run_python("-c", textwrap.dedent(code), PURELIB,
                        env=clean_env(TASKGROUP_PATCH="1"), timeout=TIMEOUT)
    assert result.stderr == ""
    assert result.stdout == "1 0 %s True\n" % OURS


# -- 6. a hook that raises -----------------------------------------------------


def broken_module(directory, name, exception):
    path = directory / (name + ".py")
    path.write_text("raise %s(%r)\n" % (exception, "broken " + name))
    return str(directory)


@pytest.mark.parametrize("exception", ["SystemExit", "KeyboardInterrupt", "RuntimeError"])
@pytest.mark.parametrize("switch, patching", [(None, PATCHED), ("1", True)])
def test_broken_dependency_leaves_asyncio_wholly_unpatched(tmp_path, exception, switch,
                                                          patching):
    pythonpath = broken_module(tmp_path, "exceptiongroup", exception)
    broken = run_python(code=FINGERPRINT, timeout=TIMEOUT,
                        env=clean_env(TASKGROUP_PATCH=switch, PYTHONPATH=pythonpath))
    assert broken.returncode == 0, broken.stderr
    lines = stderr_lines(broken)
    if patching:
        assert len(lines) == 1, broken.stderr
        assert lines[0].startswith("taskgroup_patch:")
        assert exception in lines[0]
    else:
        assert lines == []
    # Exactly the asyncio of a process where nothing was patched.
    reference, _ = probe(code=FINGERPRINT, env=clean_env(TASKGROUP_PATCH="0"))
    assert json.loads(broken.stdout) == reference


# Raises inside the patch, after some names were already replaced: a Ctrl-C
# (or a stray sys.exit / bug) landing half-way through install().
MIDWAY = """
import sys

def tracer(frame, event, arg):
    if (event == "call" and frame.f_code.co_name == "_set"
            and frame.f_code.co_filename.endswith("_patch.py")
            and frame.f_locals.get("name") == "__getattr__"):
        sys.settrace(None)
        raise {exception}("landed half-way through the patch")
    return None

sys.settrace(tracer)
"""


@pytest.mark.parametrize("exception", ["KeyboardInterrupt", "SystemExit", "RuntimeError"])
def test_failure_half_way_through_the_patch_rolls_everything_back(exception):
    code = MIDWAY.format(exception=exception) + FINGERPRINT
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="1"), timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("taskgroup_patch:")
    assert "%s: landed half-way" % exception in lines[0]
    reference, _ = probe(code=FINGERPRINT, env=clean_env(TASKGROUP_PATCH="0"))
    assert json.loads(result.stdout) == reference


def test_broken_dependency_unpatched_asyncio_still_runs_old_style_code(tmp_path):
    pythonpath = broken_module(tmp_path, "exceptiongroup", "SystemExit")
    code = """
    import asyncio
    async def main():
        task = asyncio.ensure_future(asyncio.sleep(0, "done"))
        return await asyncio.wait_for(task, 5)
    print(asyncio.run(main()), asyncio.Task.__module__)
    """
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="1", PYTHONPATH=pythonpath),
                        timeout=TIMEOUT)
    assert result.returncode == 0
    assert result.stdout == "done _asyncio\n"
    assert len(stderr_lines(result)) == 1


# A finder installed at the front of sys.meta_path by a .pth that sorts before
# ours (as setuptools' distutils-precedence.pth does), so that ours, inserted
# at the front later, consults it.  Its first lookup of asyncio raises: a
# Ctrl-C or a stray sys.exit() landing while the hook runs.
RAISING_FINDER = """
import sys

class RaisesOnce:
    raised = False

    def find_spec(self, name, path=None, target=None):
        if name == "asyncio" and not RaisesOnce.raised:
            RaisesOnce.raised = True
            raise {exception}("while looking up asyncio")
        return None

sys.meta_path.insert(0, RaisesOnce())
"""


@pytest.mark.parametrize("exception", ["KeyboardInterrupt", "SystemExit", "RuntimeError"])
def test_finder_raising_inside_the_hook_does_not_fail_import_asyncio(tmp_path, exception):
    python, site_packages = bare_venv(tmp_path)
    put_our_files(site_packages)  # without exceptiongroup: the patch is not reached
    with open(os.path.join(site_packages, "raises_once.py"), "w") as f:
        f.write(RAISING_FINDER.format(exception=exception))
    with open(os.path.join(site_packages, "a_raises_once.pth"), "w") as f:
        f.write("import raises_once\n")
    code = """
    import sys
    names = [getattr(f, "__name__", None) or type(f).__name__ for f in sys.meta_path]
    assert names.index("_taskgroup_patch_startup") < names.index("RaisesOnce"), names
    import asyncio
    import raises_once, taskgroup_patch
    from _taskgroup_patch_startup import GAINING
    print(raises_once.RaisesOnce.raised,
          [name for name in taskgroup_patch.installed() if name.partition(".")[0] not in GAINING],
          asyncio.run(asyncio.sleep(0, "ran")))
    """
    result = run_python(code=code, python=python, env=clean_env(TASKGROUP_PATCH="1"),
                        timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True [] ran\n"
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("taskgroup_patch:") and exception in lines[0]


# An import-instrumenting finder placed before ours after start-up (as
# sitecustomize or a tracing tool does) that delegates to the finders after it.
DELEGATING_FINDER = """
import sys

class Delegating:
    seen = []

    def find_spec(self, name, path=None, target=None):
        rest = sys.meta_path[sys.meta_path.index(self) + 1:]
        for finder in rest:
            spec = getattr(finder, "find_spec", lambda *a: None)(name, path, target)
            if spec is not None:
                Delegating.seen.append(name)
                return spec
        return None

sys.meta_path.insert(0, Delegating())
"""


def test_delegating_finder_in_front_of_ours_still_gets_a_patched_asyncio(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(DELEGATING_FINDER)
    code = """
    import asyncio, sitecustomize
    print("asyncio" in sitecustomize.Delegating.seen, asyncio.TaskGroup.__module__)
    """
    result = run_python(code=code, timeout=TIMEOUT,
                        env=clean_env(TASKGROUP_PATCH="1", PYTHONPATH=str(tmp_path)))
    assert (result.stdout, result.stderr) == ("True %s\n" % OURS, "")


# -- 7. threads importing asyncio at once --------------------------------------

THREADS = """
import sys, threading

barrier = threading.Barrier(8)
seen = []
errors = []

def worker():
    try:
        barrier.wait()
        import asyncio
        tg = getattr(asyncio, "TaskGroup", None)
        seen.append((tg and tg.__module__, asyncio.Task.__module__))
    except BaseException as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=worker) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
from taskgroup_patch import _patch
changes = [(id(owner), name) for owner, name, _ in _patch._changes]
assert len(changes) == len(set(changes)), changes
print(errors, len(seen), sorted(set(seen)), len(changes) > 0)
"""


@pytest.mark.parametrize("switch, patched", [(None, PATCHED), ("1", True)])
def test_threads_importing_asyncio_at_once_patch_it_exactly_once(switch, patched):
    task_module = "taskgroup_patch.backport.tasks" if patched and not NATIVE else "_asyncio"
    for _ in range(3):
        result = run_python(code=THREADS, env=clean_env(TASKGROUP_PATCH=switch),
                            timeout=TIMEOUT)
        assert result.stderr == ""
        assert result.stdout == "[] 8 %r %s\n" % (
            [(expected_taskgroup(patched), task_module)], patched)


# -- 8. asyncio already imported; install() / installed() ---------------------


def test_installed_is_empty_when_nothing_is_patched():
    code = "import asyncio, taskgroup_patch; print(taskgroup_patch.installed())"
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("{}\n", "")


def test_install_patches_an_already_imported_asyncio_in_place():
    code = """
    import asyncio, sys
    import taskgroup_patch
    from taskgroup_patch import _patch
    before = (getattr(asyncio, "TaskGroup", None), asyncio.Task)
    assert taskgroup_patch.installed() == {}
    taskgroup_patch.install()
    assert sys.modules["asyncio"] is asyncio
    first = taskgroup_patch.installed()
    count = len(_patch._changes)
    taskgroup_patch.install()
    assert taskgroup_patch.installed() == first and len(_patch._changes) == count
    print(asyncio.TaskGroup.__module__, asyncio.TaskGroup is not before[0],
          asyncio.Task is not before[1], hasattr(asyncio.Task, "uncancel"),
          first["asyncio.TaskGroup"])
    """
    result = run_python(code=textwrap.dedent(code) + PROGRAM, timeout=TIMEOUT,
                        env=clean_env(TASKGROUP_PATCH="0"))
    assert result.stderr == ""
    task_replaced = not NATIVE  # 3.11+ keeps its own Task, which already counts
    assert result.stdout == "%s True %s True %s.TaskGroup\n%s" % (
        OURS, task_replaced, OURS, PROGRAM_OUTPUT)


def test_install_from_inside_a_running_event_loop():
    # The running task was made before the patch: TaskGroup and timeout must
    # still work inside it (DESIGN §3, tasks made elsewhere).
    code = """
    import asyncio
    import taskgroup_patch

    async def main():
        taskgroup_patch.install()
        current = asyncio.current_task()
        async with asyncio.TaskGroup() as tg:
            task = tg.create_task(asyncio.sleep(0, "child"))
        try:
            async with asyncio.timeout(0.01):
                await asyncio.sleep(10)
        except TimeoutError:
            timed_out = True
        return isinstance(current, asyncio.Task), task.result(), timed_out

    print(asyncio.run(main()), asyncio.TaskGroup.__module__)
    """
    result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="0"), timeout=TIMEOUT)
    assert (result.stdout, result.stderr) == ("(True, 'child', True) %s\n" % OURS, "")


@pytest.mark.parametrize("how", ["install()", "from taskgroup_patch import TaskGroup"])
def test_install_before_asyncio_is_imported_while_the_hook_is_armed(how):
    code = """
    import taskgroup_patch
    {how}
    import asyncio
    print(asyncio.TaskGroup.__module__, len(taskgroup_patch.installed()) > 0)
    """.format(how="taskgroup_patch.install()" if how == "install()" else how)
    try:
        result = run_python(code=code, env=clean_env(TASKGROUP_PATCH="1"), timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("%s before `import asyncio` hung (deadlock in install())" % how)
    assert (result.stdout, result.stderr) == ("%s True\n" % OURS, "")


def test_the_start_up_module_and_the_package_agree_on_what_is_watched():
    # The start-up module may not import the package, so it keeps its own lists.
    import _taskgroup_patch_startup as startup
    from taskgroup_patch import _patch

    if PATCHED:
        assert set(startup.WATCHED) == set(_patch.ON_IMPORT)
        # GAINING: those whose backport module adds something here.
        assert set(startup.GAINING) == {
            name for name, where in _patch.GAINED_FROM.items()
            if importlib.import_module(where).GAINED}
        # Where a backport module takes its names from a library, that
        # library sees the module as the interpreter made it.
        for name, where in _patch.GAINED_FROM.items():
            source = getattr(importlib.import_module(where), "SOURCE", None)
            assert source is None or source in startup.STAND_INS.get(name, ()), name
    else:
        assert (startup.WATCHED, startup.GAINING) == (("asyncio",), ())


@pytest.mark.skipif(not PATCHED, reason="3.11+ loads the package only under TASKGROUP_PATCH=1")
def test_import_asyncio_loads_four_modules_of_ours_and_the_rest_on_first_use():
    # Every module loaded at `import asyncio` costs every program that imports
    # it some 0.15 % (docs/performance.md): what only some programs use waits.
    result = run_python(code="""
        import sys
        def ours():
            return sorted(m for m in sys.modules if m.startswith("taskgroup_patch"))
        import asyncio
        print(ours())
        ValueError().add_note("first note")
        print([m for m in ours() if m.endswith("exceptions")])
        async def numbers():
            yield 1
        async def main():
            await asyncio.wait_for(asyncio.sleep(0), 1)
            assert await anext(aiter(numbers())) == 1
        asyncio.run(main())
        print([m for m in ours() if m.endswith(("timeouts", "builtins"))])
    """)
    assert result.stderr == ""
    loaded, exceptions, later = result.stdout.splitlines()
    assert loaded == str(["taskgroup_patch", "taskgroup_patch._patch", "taskgroup_patch.backport",
                          "taskgroup_patch.backport.tasks"])
    assert exceptions == str(["taskgroup_patch.backport.exceptions"])
    expected = ["taskgroup_patch.backport.timeouts"]
    if sys.version_info < (3, 10):
        expected.insert(0, "taskgroup_patch.backport.builtins")
    assert later == str(expected)
