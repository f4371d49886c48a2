"""Debuggers, profilers, tracers and zipapps on code that uses except*.

``python script.py`` runs a script that uses except* with nothing of the
package under it: ``sys._getframe().f_back`` is None at module level and
pdb's ``where`` and ``traceback.print_stack()`` show the script alone.  The
runner, ``python -m taskgroup_patch``, runs the standard tools that compile
the script themselves (``-m pdb``, ``-m cProfile``, ``-m profile``,
``-m trace``) and zipapps, and shows what ``python -m TOOL`` shows natively.
Each runs in a real subprocess, as a user types it.
"""

import os
import re
import sys
import textwrap
import zipfile

import pytest

from conftest import clean_env, run_python

# On 3.11+ frames live in the interpreter's own frame stack, which the
# runner does not rewrite: its frames stay under the target's there.
RUNNER_FRAMES = pytest.mark.skipif(
    sys.version_info >= (3, 11), reason="the runner's frames show under the target on 3.11+")

SCRIPT = """\
import sys
import traceback

print("f_back:", sys._getframe().f_back)
traceback.print_stack(file=sys.stdout)


def handle():
    try:
        raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
    except* ValueError as group:
        print("value", group.exceptions)
    except* TypeError as group:
        print("type", group.exceptions)


handle()
"""
OUTPUT_END = "value (ValueError(1),)\ntype (TypeError(2),)\n"


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "script.py"
    path.write_text(SCRIPT)
    return path


def run(tmp_path, *args, **kwargs):
    return run_python(*args, cwd=str(tmp_path), **kwargs)


def stack_files(output):
    """The files of the frames traceback.print_stack() listed."""
    return re.findall(r'^  File "([^"]+)", line \d+, in ', output, re.MULTILINE)


@pytest.mark.parametrize("runner", [[], pytest.param(["-m", "taskgroup_patch"], marks=RUNNER_FRAMES)],
                         ids=["python", "runner"])
def test_script_runs_with_no_frame_under_it(tmp_path, script, runner):
    result = run(tmp_path, *runner, "script.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("f_back: None\n"), result.stdout
    assert result.stdout.endswith(OUTPUT_END)
    assert [os.path.basename(f) for f in stack_files(result.stdout)] == ["script.py"]


def pdb_where(tmp_path, *command):
    """Stop at a breakpoint inside an except* handler; return what `where` lists."""
    (tmp_path / "stop.py").write_text(textwrap.dedent("""\
        try:
            raise ExceptionGroup("g", [ValueError(1)])
        except* ValueError as group:
            breakpoint()
            print("handled", group.exceptions)
        """))
    # python -m pdb stops before the first line first.
    commands = ["where", "continue"] if not command else ["continue", "where", "continue"]
    result = run(tmp_path, *command, "stop.py", input="\n".join(commands) + "\n",
                 env=clean_env(PYTHONBREAKPOINT=None))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "handled (ValueError(1),)" in result.stdout
    where = result.stdout.split("(Pdb) ")[commands.index("where") + 1]
    return re.findall(r"^[ >] (\S+)\(\d+\)(\S+)\(\)$", where, re.MULTILINE)


def test_pdb_where_in_a_handler_shows_the_script_alone(tmp_path):
    frames = pdb_where(tmp_path)
    assert [(os.path.basename(f), name) for f, name in frames] == [("stop.py", "<module>")]


def test_runner_runs_pdb_on_a_script_with_except_star(tmp_path, script):
    result = run(tmp_path, "-m", "taskgroup_patch", "-m", "pdb", "script.py",
                 input="continue\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert OUTPUT_END in result.stdout
    # What `python -m pdb` shows natively: pdb's own frames, then the script.
    frames = pdb_where(tmp_path, "-m", "taskgroup_patch", "-m", "pdb")
    names = [(os.path.basename(f), name) for f, name in frames]
    assert names[-1] == ("stop.py", "<module>"), names
    if sys.version_info < (3, 11):
        assert not [f for f, _ in frames if "taskgroup_patch" in f], frames


@pytest.mark.parametrize("tool", [
    ["-m", "cProfile"], ["-m", "profile"], ["-m", "trace", "--count", "--missing",
                                             "--summary"]])
def test_runner_runs_profilers_and_tracers(tmp_path, script, tool):
    result = run(tmp_path, "-m", "taskgroup_patch", *tool, "script.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert OUTPUT_END in result.stdout
    # Their frames, as under python -m TOOL, and none of the package's.
    files = stack_files(result.stdout)
    assert os.path.basename(files[-1]) == "script.py", files
    if sys.version_info < (3, 11):
        assert not [f for f in files if "taskgroup_patch" in f], files
    if tool[1] == "trace":
        assert re.search(r"^\s+\d+\s+\d+%\s+script\s+", result.stdout, re.MULTILINE), \
            result.stdout


def test_runner_profiles_the_handlers(tmp_path, script):
    result = run(tmp_path, "-m", "taskgroup_patch", "-m", "cProfile", "-s", "name",
                 "script.py")
    assert result.returncode == 0, result.stderr
    assert re.search(r"script\.py:\d+\(handle\)", result.stdout), result.stdout


def test_runner_runs_a_zipapp_using_except_star(tmp_path):
    with zipfile.ZipFile(str(tmp_path / "app.pyz"), "w") as app:
        app.writestr("__main__.py", "import lib\n" + SCRIPT.split("\n\n\n", 1)[1])
        app.writestr("lib.py", "def handle():\n    try:\n        raise ExceptionGroup("
                               "'g', [KeyError(1)])\n    except* KeyError:\n"
                               "        print('key')\nhandle()\n")
    result = run(tmp_path, "-m", "taskgroup_patch", "app.pyz")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "key\n" + OUTPUT_END


def test_runner_reports_an_error_from_a_debugged_script(tmp_path):
    (tmp_path / "fail.py").write_text(textwrap.dedent("""\
        try:
            raise ExceptionGroup("g", [ValueError(1), KeyError(2)])
        except* ValueError:
            pass
        """))
    result = run(tmp_path, "-m", "taskgroup_patch", "-m", "cProfile", "fail.py")
    assert result.returncode == 1
    assert "KeyError: 2" in result.stderr
    assert "taskgroup_patch" not in result.stderr, result.stderr


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.11+ reads except* natively")
def test_plain_tools_need_the_runner(tmp_path, script):
    """The control: python -m cProfile compiles the script with the interpreter's compile()."""
    result = run(tmp_path, "-m", "cProfile", "script.py")
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr
