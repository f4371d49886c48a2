"""`python -m taskgroup_patch`: python's own conventions for a script or -m module
(DESIGN §2), patched, with TASKGROUP_PATCH=1 exported to children.

Where the contract is "as `python script.py` would", the same target is also
run by plain python and the two are compared.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
from importlib.metadata import version

import pytest

import taskgroup_patch
from conftest import PATCHED, clean_env, run_python

NATIVE = sys.version_info >= (3, 11)
OURS = "taskgroup_patch.backport.taskgroups"
TIMEOUT = 30

_hung = []


def cli(*args, **kwargs):
    """Run `python -m taskgroup_patch *args`; fail fast once a run has hung."""
    if _hung:
        pytest.fail("an earlier `python -m taskgroup_patch %s` hung; not trying again" % _hung[0])
    kwargs.setdefault("timeout", TIMEOUT)
    try:
        return run_python("-m", "taskgroup_patch", *args, **kwargs)
    except subprocess.TimeoutExpired:
        _hung.append(" ".join(args))
        raise


def plain(*args, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return run_python(*args, **kwargs)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def one_line(result):
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# Reports what a script sees of the conventions.
SHOW = """
import json, os, sys
import asyncio
tg = getattr(asyncio, "TaskGroup", None)
print(json.dumps({
    "argv": sys.argv,
    "path0": sys.path[0],
    "cwd_on_path": os.getcwd() in sys.path or "" in sys.path,
    "name": __name__,
    "is_main": sys.modules["__main__"].__dict__ is globals(),
    "spec": __spec__ and __spec__.name,
    "taskgroup": tg and tg.__module__,
    "env": os.environ.get("TASKGROUP_PATCH"),
}))
"""

CHILD_PROBE = ("import asyncio; tg = getattr(asyncio, 'TaskGroup', None); "
               "print(tg and tg.__module__)")


@pytest.fixture
def work(tmp_path):
    """A directory holding scripts, and a separate current directory."""
    (tmp_path / "cwd").mkdir()
    return tmp_path


def show(result):
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


# -- script conventions ---------------------------------------------------------


def test_script_gets_argv_as_python_gives_it(work):
    write(work / "scripts" / "show.py", SHOW)
    args = ["../scripts/show.py", "a", "--b", "-c", "--", "-m", "x y"]
    ours = show(cli(*args, cwd=str(work / "cwd")))
    assert ours["argv"] == args
    assert ours["argv"] == show(plain(*args, cwd=str(work / "cwd")))["argv"]


def test_script_sys_path0_is_the_scripts_directory_not_the_cwd(work):
    write(work / "scripts" / "show.py", SHOW)
    ours = show(cli("../scripts/show.py", cwd=str(work / "cwd")))
    assert ours["path0"] == os.path.realpath(str(work / "scripts"))
    assert ours["cwd_on_path"] is False
    theirs = show(plain("../scripts/show.py", cwd=str(work / "cwd")))
    assert (ours["path0"], ours["cwd_on_path"]) == (theirs["path0"], theirs["cwd_on_path"])


@pytest.mark.parametrize("how", ["script", "-c"])
def test_isolated_mode_sys_path_is_pythons(work, how):
    # python -I adds neither the script's directory nor '' to sys.path.
    script = write(work / "scripts" / "path.py", "import sys; print(sys.path)\n")
    args = [str(script)] if how == "script" else ["-c", "import sys; print(sys.path)"]
    ours = run_python("-I", "-m", "taskgroup_patch", *args, cwd=str(work / "cwd"),
                      timeout=TIMEOUT)
    theirs = plain("-I", *args, cwd=str(work / "cwd"))
    assert (ours.stdout, ours.stderr) == (theirs.stdout, theirs.stderr)


def test_script_imports_its_sibling_modules_not_the_cwds(work):
    write(work / "scripts" / "helper.py", "WHERE = 'beside the script'\n")
    write(work / "cwd" / "helper.py", "WHERE = 'current directory'\n")
    write(work / "scripts" / "main.py", "import helper; print(helper.WHERE)\n")
    result = cli("../scripts/main.py", cwd=str(work / "cwd"))
    assert (result.stdout, result.stderr) == ("beside the script\n", "")


def test_symlinked_script_sys_path0_matches_python(work):
    write(work / "real" / "show.py", SHOW)
    (work / "bin").mkdir()
    os.symlink(str(work / "real" / "show.py"), str(work / "bin" / "show"))
    ours = show(cli("../bin/show", cwd=str(work / "cwd")))
    assert ours["path0"] == show(plain("../bin/show", cwd=str(work / "cwd")))["path0"]


def test_script_dunder_file_matches_python(work):
    write(work / "scripts" / "where.py", "print(__file__)\n")
    ours = cli("../scripts/where.py", cwd=str(work / "cwd"))
    assert ours.stdout == plain("../scripts/where.py", cwd=str(work / "cwd")).stdout


def test_script_runs_as_the_real_main_and_its_classes_pickle(work):
    script = write(work / "prog.py", """
        import pickle, sys

        class Point:
            def __init__(self, x, y):
                self.x, self.y = x, y

        copy = pickle.loads(pickle.dumps(Point(1, 2)))
        print(__name__, type(copy) is Point, (copy.x, copy.y),
              sys.modules["__main__"].Point is Point)
        """)
    result = cli(str(script))
    assert (result.stdout, result.stderr) == ("__main__ True (1, 2) True\n", "")


def test_main_classes_still_pickle_in_threads_outliving_the_script_body(work):
    script = write(work / "prog.py", """
        import pickle, threading

        class Point:
            pass

        started = threading.Event()

        def later():
            started.wait()
            print(type(pickle.loads(pickle.dumps(Point()))).__name__)

        threading.Thread(target=later).start()
        started.set()
        """)
    result = cli(str(script))
    assert (result.stdout, result.stderr) == ("Point\n", "")


# -- exit status and tracebacks -------------------------------------------------


@pytest.mark.parametrize("body, status, stderr", [
    ("import sys; sys.exit(3)", 3, ""),
    ("raise SystemExit(0)", 0, ""),
    ("import sys; sys.exit(None)", 0, ""),
    ("import sys; sys.exit('bye now')", 1, "bye now\n"),
    ("print('done')", 0, ""),
])
def test_exit_status_passes_through(work, body, status, stderr):
    script = write(work / "prog.py", body + "\n")
    ours = cli(str(script))
    assert (ours.returncode, ours.stderr) == (status, stderr)
    theirs = plain(str(script))
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode, theirs.stdout, theirs.stderr)


UNCAUGHT = """
def inner():
    raise {exception}("boom")

def outer():
    inner()

outer()
"""


@pytest.mark.parametrize("exception", ["ValueError", "ImportError"])
def test_uncaught_exception_exits_1_with_the_scripts_traceback(work, exception):
    script = write(work / "prog.py", UNCAUGHT.format(exception=exception))
    result = cli(str(script))
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert result.stderr.endswith("%s: boom\n" % exception)
    assert 'File "%s", line 8, in <module>' % script in result.stderr


@pytest.mark.parametrize("exception", [
    "ValueError", "ImportError", "KeyboardInterrupt",
])
def test_uncaught_exception_traceback_is_exactly_pythons(work, exception):
    script = write(work / "prog.py", UNCAUGHT.format(exception=exception))
    ours, theirs = cli(str(script)), plain(str(script))
    assert "runpy" not in ours.stderr and "__main__.py" not in ours.stderr
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr)


def test_keyboard_interrupt_kills_with_sigint_like_python(work):
    script = write(work / "prog.py", UNCAUGHT.format(exception="KeyboardInterrupt"))
    result = cli(str(script))
    assert result.returncode == -signal.SIGINT
    assert result.returncode == plain(str(script)).returncode


def test_keyboard_interrupt_traceback_reaches_a_piped_stderr(work):
    script = write(work / "prog.py", UNCAUGHT.format(exception="KeyboardInterrupt"))
    result = cli(str(script))
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert result.stderr.endswith("KeyboardInterrupt: boom\n")


def test_uncaught_exception_group_is_rendered_with_its_members(work):
    script = write(work / "prog.py", """
        import asyncio

        async def fail(n):
            raise ValueError("member %d" % n)

        async def main():
            async with asyncio.TaskGroup() as tg:
                tg.create_task(fail(1))
                tg.create_task(fail(2))

        asyncio.run(main())
        """)
    result = cli(str(script))
    assert result.returncode == 1
    assert "ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)" in result.stderr
    assert "ValueError: member 1" in result.stderr and "ValueError: member 2" in result.stderr


# -- usage errors ----------------------------------------------------------------


def test_missing_script_exits_2_with_one_line(work):
    result = cli("no_such_script.py", "arg", cwd=str(work))
    assert result.returncode == 2
    assert "no_such_script.py" in one_line(result)
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--bogus"], ["-x", "prog.py"], ["-m"], ["-c"], ["--"],
                                  ["--verbose"], ["--check", "prog.py"], ["--check", "-c", "1"]],
                         ids=["unknown-long", "unknown-short", "m-without-module",
                              "c-without-code", "only-separator", "verbose-alone",
                              "check-with-script", "check-with-code"])
def test_usage_errors_exit_2_with_one_line(work, args):
    write(work / "prog.py", "print('must not run')\n")
    result = cli(*args, cwd=str(work))
    assert result.returncode == 2
    assert one_line(result).startswith("python -m taskgroup_patch: error:")
    assert result.stdout == ""


def test_no_arguments_print_the_usage_and_exit_2(work):
    result = cli(cwd=str(work))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("usage: python -m taskgroup_patch")
    assert result.stderr == cli("--help").stdout


def test_double_dash_ends_options(work):
    write(work / "-dash.py", SHOW)
    ours = show(cli("--", "-dash.py", "--version", cwd=str(work)))
    assert ours["argv"] == ["-dash.py", "--version"]


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["--check"], ["-m", "json.tool"],
                                  ["--", "x"]])
def test_options_stop_at_the_first_positional(work, args):
    write(work / "prog.py", SHOW)
    ours = show(cli("prog.py", *args, cwd=str(work)))
    assert ours["argv"] == ["prog.py"] + args


# -- -m module ----------------------------------------------------------------------


def test_module_runs_like_python_dash_m(work):
    write(work / "cwd" / "tool.py", SHOW)
    ours = show(cli("-m", "tool", "a", "--b", cwd=str(work / "cwd")))
    theirs = show(plain("-m", "tool", "a", "--b", cwd=str(work / "cwd")))
    assert ours["argv"] == [str(work / "cwd" / "tool.py"), "a", "--b"]
    for key in ("argv", "name", "spec", "path0", "is_main"):
        assert ours[key] == theirs[key], key
    assert ours["name"] == "__main__" and ours["spec"] == "tool"


def test_package_runs_its_dunder_main_from_pythonpath(work):
    lib = work / "lib"
    write(lib / "pkg" / "__init__.py", "")
    write(lib / "pkg" / "__main__.py", SHOW)
    env = clean_env(PYTHONPATH=str(lib))
    ours = show(cli("-mpkg", "x", cwd=str(work / "cwd"), env=env))
    assert ours["argv"] == [str(lib / "pkg" / "__main__.py"), "x"]
    assert (ours["name"], ours["spec"]) == ("__main__", "pkg.__main__")
    assert ours["taskgroup"] == OURS


def test_module_exit_status_passes_through(work):
    write(work / "cwd" / "quits.py", "import sys; sys.exit(5)\n")
    result = cli("-m", "quits", cwd=str(work / "cwd"))
    assert (result.returncode, result.stderr) == (5, "")


def test_missing_module_exits_1_with_one_line_like_python(work):
    ours = cli("-m", "no_such_module_xyz", cwd=str(work))
    assert ours.returncode == 1
    assert "No module named no_such_module_xyz" in one_line(ours)
    theirs = plain("-m", "no_such_module_xyz", cwd=str(work))
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr)


def test_module_with_a_missing_dependency_shows_the_traceback(work):
    write(work / "cwd" / "needs.py", "import not_installed_dependency_xyz\n")
    result = cli("-m", "needs", cwd=str(work / "cwd"))
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "needs.py" in result.stderr
    assert result.stderr.endswith(
        "ModuleNotFoundError: No module named 'not_installed_dependency_xyz'\n")


# -- -c code ------------------------------------------------------------------------

SHOW_CODE = SHOW.replace('__spec__ and __spec__.name', '__spec__')


def test_code_runs_like_python_dash_c(work):
    args = ["a", "--b", "-c", "x y"]
    ours = show(cli("-c", SHOW_CODE, *args, cwd=str(work)))
    theirs = show(plain("-c", SHOW_CODE, *args, cwd=str(work)))
    assert ours["argv"] == ["-c"] + args
    assert ours["path0"] == ""
    for key in ("argv", "path0", "name", "is_main", "spec"):
        assert ours[key] == theirs[key], key
    assert ours["taskgroup"] == OURS


def test_code_attached_to_the_option_runs_too(work):
    result = cli("-cimport sys; print(sys.argv)", "x", cwd=str(work))
    assert (result.stdout, result.stderr) == ("['-c', 'x']\n", "")


def test_code_imports_from_the_current_directory(work):
    write(work / "cwd" / "helper.py", "WHERE = 'current directory'\n")
    result = cli("-c", "import helper; print(helper.WHERE)", cwd=str(work / "cwd"))
    assert (result.stdout, result.stderr) == ("current directory\n", "")


@pytest.mark.parametrize("body", [
    "import sys; sys.exit(4)", "raise SystemExit('bye now')", "pass",
    "def f():\n    raise ValueError('boom')\nf()", "1/",
])
def test_code_exit_status_and_traceback_are_pythons(work, body):
    ours, theirs = cli("-c", body, cwd=str(work)), plain("-c", body, cwd=str(work))
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode, theirs.stdout, theirs.stderr)


def test_code_stops_option_parsing(work):
    result = cli("-c", "import sys; print(sys.argv)", "--check", "-m", "x", cwd=str(work))
    assert (result.stdout, result.stderr) == ("['-c', '--check', '-m', 'x']\n", "")


EXCEPT_STAR = """
try:
    raise ExceptionGroup("two", [ValueError(1), KeyError(2)])
except* ValueError as group:
    print("values", [repr(e) for e in group.exceptions])
except* KeyError as group:
    print("keys", [repr(e) for e in group.exceptions])
"""


def except_star_supported():
    if NATIVE:
        return True
    try:
        import taskgroup_patch.exceptstar.loader  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not except_star_supported(),
                    reason="this version of the package has no except* support")
@pytest.mark.parametrize("how", ["-c", "script"])
def test_except_star_in_code_and_scripts(work, how):
    if how == "-c":
        result = cli("-c", EXCEPT_STAR, cwd=str(work))
    else:
        result = cli(str(write(work / "star.py", EXCEPT_STAR)), cwd=str(work))
    assert (result.stdout, result.stderr) == ("values ['ValueError(1)']\nkeys ['KeyError(2)']\n", "")


# -- --help, --version ------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_usage_and_exits_0(flag):
    result = cli(flag)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: python -m taskgroup_patch")
    for option in ("-m module", "-c code", "--check", "--verbose", "-V, --version"):
        assert option in result.stdout, option


def test_help_gives_the_switch_values_and_says_no_runner_is_needed():
    text = " ".join(cli("--help").stdout.split())
    for values in ("0, off, false, no", "1, on, true, yes", "unset or empty"):
        assert values in text
    assert "A normal install needs no runner" in text


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_package_version(flag):
    result = cli(flag)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "taskgroup_patch %s\n" % taskgroup_patch.__version__
    assert version("taskgroup-patch") == taskgroup_patch.__version__


# -- --check (in this venv; tests/test_check_layouts.py covers install layouts) ----


def check_output(*args, **env):
    result = cli("--check", *args, env=clean_env(**env))
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.parametrize("switch, patched", [(None, PATCHED), ("1", True), ("0", False)])
def test_check_says_what_is_patched_and_why(switch, patched):
    result = check_output(TASKGROUP_PATCH=switch)
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "taskgroup_patch %s on CPython %s (%s)" % (
        taskgroup_patch.__version__, "%d.%d.%d" % sys.version_info[:3], sys.executable)
    assert lines[1] == "package: %s" % os.path.dirname(taskgroup_patch.__file__)
    assert "start-up hook (.pth): runs at every start here" in lines
    assert any(line.startswith("asyncio: patched in a plain run (")
               for line in lines) is patched
    assert any(line.startswith("asyncio: nothing is replaced in a plain run; the runner and "
                               "install() replace (") for line in lines) is not patched
    assert "TaskGroup" in result.stdout
    if switch == "0":
        assert "TASKGROUP_PATCH: '0' -> no patch (switched off" in result.stdout
    elif switch is None and not patched:
        assert "asyncio is native on 3.11+" in result.stdout


def test_check_fits_on_a_screen_and_verbose_lists_every_replacement():
    short = check_output().stdout.splitlines()
    # A terminal's 24 rows, with room for the prompt: asyncio's own list of
    # added names wraps over several lines on 3.8 (issue 18 added ten).
    assert len(short) <= 20, short
    # No dump of replacements: the Task one at most, named on the asyncio line.
    named = [line for line in short if " -> taskgroup_patch." in line]
    assert named == [line for line in named if line.startswith("asyncio: patched")], named
    full = check_output("--verbose").stdout
    assert full.startswith("\n".join(short) + "\nevery replacement")
    assert "  asyncio.TaskGroup -> %s.TaskGroup\n" % OURS in full
    assert check_output("-v").stdout == full


def test_check_reports_except_star_and_libraries():
    lines = check_output().stdout.splitlines()
    assert sum(line.startswith("except*:") for line in lines) == 1
    assert sum(line.startswith("libraries:") for line in lines) == 1


@pytest.mark.parametrize("switch", [None, "0"])
def test_check_says_whether_add_note_and_group_tracebacks_are_active(switch):
    (line,) = [line for line in check_output(TASKGROUP_PATCH=switch).stdout.splitlines()
               if line.startswith("exceptions:")]
    if not PATCHED:
        assert line == "exceptions: the interpreter's own (3.11+)"
    elif switch is None:
        assert line == ("exceptions: BaseException.add_note, ExceptionGroup and "
                        "BaseExceptionGroup in builtins, 3.13's group tracebacks, in a plain "
                        "run from the import of asyncio (or exceptiongroup)")
    else:
        assert line.startswith("exceptions: not in a plain run (TASKGROUP_PATCH=0); ")


@pytest.mark.parametrize("value", ["maybe", " ON-ish"])
def test_check_names_a_bad_value_and_the_accepted_ones(value):
    result = check_output(TASKGROUP_PATCH=value)
    (line,) = [line for line in result.stdout.splitlines()
               if line.startswith("TASKGROUP_PATCH:")]
    assert line.startswith("TASKGROUP_PATCH: %r is not a valid value" % value)
    assert "1/on/true/yes" in line and "0/off/false/no" in line
    # The hook's own warning, when asyncio is imported, at most once.
    assert len(result.stderr.splitlines()) <= 1, result.stderr


def test_check_says_the_empty_value_is_the_default():
    result = check_output(TASKGROUP_PATCH="")
    assert "TASKGROUP_PATCH: '' (empty: the default) -> " in result.stdout
    assert result.stderr == ""


# -- patching, and what children inherit -------------------------------------------


@pytest.mark.parametrize("switch", [None, "0", "off", "1"])
def test_patches_whatever_the_environment_says(work, switch):
    write(work / "prog.py", SHOW)
    ours = show(cli("prog.py", cwd=str(work), env=clean_env(TASKGROUP_PATCH=switch)))
    assert (ours["taskgroup"], ours["env"]) == (OURS, "1")


def test_module_target_is_patched_too(work):
    write(work / "cwd" / "tool.py", SHOW)
    env = clean_env(TASKGROUP_PATCH="0")
    assert show(cli("-m", "tool", cwd=str(work / "cwd"), env=env))["taskgroup"] == OURS


def test_a_311_style_program_runs_unmodified(work):
    script = write(work / "prog.py", """
        import asyncio

        async def main():
            async with asyncio.timeout(5):
                async with asyncio.TaskGroup() as tg:
                    task = tg.create_task(asyncio.sleep(0, "slept"))
            sleeper = asyncio.create_task(asyncio.sleep(10))
            await asyncio.sleep(0)
            sleeper.cancel()
            counts = [sleeper.cancelling()]
            try:
                await sleeper
            except asyncio.CancelledError:
                counts.append(sleeper.uncancel())
            return task.result(), counts

        with asyncio.Runner() as runner:
            print(runner.run(main()))
        """)
    result = cli(str(script), env=clean_env(TASKGROUP_PATCH="0"))
    assert (result.stdout, result.stderr) == ("('slept', [1, 0])\n", "")


def test_children_inherit_the_patch_through_subprocess_and_spawn(work):
    script = write(work / "prog.py", """
        import json, multiprocessing, os, subprocess, sys

        def probe():
            import asyncio
            tg = getattr(asyncio, "TaskGroup", None)
            return tg and tg.__module__

        if __name__ == "__main__":
            child = subprocess.run([sys.executable, "-c", %r], check=True,
                                   stdout=subprocess.PIPE, universal_newlines=True)
            context = multiprocessing.get_context("spawn")
            with context.Pool(1) as pool:
                spawned = pool.apply(probe)
            print(json.dumps([os.environ["TASKGROUP_PATCH"], child.stdout.strip(), spawned]))
        """ % CHILD_PROBE)
    result = cli(str(script), cwd=str(work), env=clean_env(TASKGROUP_PATCH="0"),
                 timeout=60)
    assert result.stderr == ""
    assert json.loads(result.stdout) == ["1", OURS, OURS]


def test_zipapp_runs_patched(work):
    import zipapp

    write(work / "app" / "__main__.py", SHOW)
    zipapp.create_archive(str(work / "app"), str(work / "app.pyz"))
    ours = show(cli("app.pyz", "arg", cwd=str(work), env=clean_env(TASKGROUP_PATCH="0")))
    assert (ours["argv"], ours["name"], ours["taskgroup"]) == (
        ["app.pyz", "arg"], "__main__", OURS)
