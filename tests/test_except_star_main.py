"""except* in the main script: `python script.py` behaves as a normal run.

On 3.8-3.10 the interpreter compiles the script itself and fails; the
package's sys.excepthook then compiles and runs it as __main__.  Natively
(3.11+) the same expectations hold with nothing of the package involved.
"""

import signal
import sys
import textwrap

import pytest

from conftest import PATCHED, clean_env, run_python

# ExceptionGroup is a builtin on 3.11+; on 3.8-3.10 the patch adds it when
# asyncio is imported.
SCRIPT = """\
import asyncio, atexit, os, pickle, sys, threading, time

class Point:
    pass

def late():
    time.sleep(0.05)
    print("thread done", flush=True)

MAIN = sys.modules[__name__]
atexit.register(lambda: print("atexit", sys.modules["__main__"] is MAIN))
print(__name__, os.path.basename(__file__), sys.argv[1:])
print(type(pickle.loads(pickle.dumps(Point()))).__qualname__)
threading.Thread(target=late).start()
try:
    raise ExceptionGroup("eg", [ValueError(1), KeyError(2)])
except* ValueError as eg:
    print("value", eg.exceptions, sys.exception() is eg)
except* KeyError as eg:
    print("key", eg.exceptions)
ending = sys.argv[1]
if ending == "exit":
    sys.exit(3)
if ending == "message":
    sys.exit("bye")
if ending == "raise":
    raise LookupError("unhandled")
if ending == "interrupt":
    raise KeyboardInterrupt
if ending == "group":
    raise ExceptionGroup("top", [OSError(5)])
"""

START = ("__main__ script.py ['%s', 'x']\nPoint\nvalue (ValueError(1),) True\n"
         "key (KeyError(2),)\n")
END = "thread done\natexit True\n"


def run_script(tmp_path, *args, source=SCRIPT, **env):
    (tmp_path / "script.py").write_text(source)
    result = run_python("script.py", *args, cwd=str(tmp_path), env=clean_env(**env))
    return result.returncode, result.stdout, result.stderr


def test_normal_end(tmp_path):
    assert run_script(tmp_path, "none", "x") == (0, START % "none" + END, "")


@pytest.mark.parametrize("ending, status, stderr", [
    ("exit", 3, ""),
    ("message", 1, "bye\n"),
])
def test_system_exit_passes_through(tmp_path, ending, status, stderr):
    assert run_script(tmp_path, ending, "x") == (status, START % ending + END, stderr)


def test_unhandled_error_is_reported_with_the_scripts_frames_only(tmp_path):
    status, out, err = run_script(tmp_path, "raise", "x")
    assert (status, out) == (1, START % "raise" + END)
    lines = err.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].endswith('script.py", line 27, in <module>')
    assert lines[-1] == "LookupError: unhandled"
    assert "taskgroup_patch" not in err


def test_keyboard_interrupt_ends_by_sigint(tmp_path):
    status, out, err = run_script(tmp_path, "interrupt", "x")
    assert (status, out) == (-signal.SIGINT, START % "interrupt" + END)
    assert err.splitlines()[-1] == "KeyboardInterrupt"


def test_unhandled_group_gets_the_group_traceback(tmp_path):
    # exceptiongroup installs its rendering only if it finds the
    # interpreter's excepthook when imported: the hook must be back by then.
    status, out, err = run_script(tmp_path, "group", "x")
    assert (status, out) == (1, START % "group" + END)
    # The backport names its class with its module: exceptiongroup.ExceptionGroup.
    assert "ExceptionGroup: top (1 sub-exception)\n  +-+---------------- 1 ----" in err
    assert "    | OSError: 5" in err.splitlines()


def test_misuse_is_reported_as_the_interpreter_does(tmp_path):
    status, out, err = run_script(tmp_path, source="try:\n    pass\nexcept*:\n    pass\n")
    assert (status, out) == (1, "")
    assert err.splitlines() == [
        '  File "%s", line 3' % ("script.py" if sys.version_info < (3, 9)
                                 else str(tmp_path / "script.py")),
        "    except*:",
        "           ^",
        "SyntaxError: expected one or more exception types",
    ]


def test_unrelated_syntax_error_is_the_interpreters(tmp_path):
    body = "try:\n    pass\nexcept%s ValueError:\n    pass\nx = (1,\ny = 2 +\n"
    star = run_script(tmp_path, source=body % "*")
    plain = run_script(tmp_path, source=body % "")
    assert star[0] == 1 and "SyntaxError" in star[2]
    assert star == plain


def test_except_star_in_a_string_leaves_the_excepthook_alone(tmp_path):
    source = 'import sys\nprint("except* ValueError", sys.excepthook is sys.__excepthook__)\n'
    assert run_script(tmp_path, source=source) == (0, "except* ValueError True\n", "")


@pytest.mark.skipif(not PATCHED, reason="3.11+ compiles except* itself")
def test_switched_off_is_the_interpreters_syntax_error(tmp_path):
    status, out, err = run_script(tmp_path, "none", "x", TASKGROUP_PATCH="0")
    assert (status, out) == (1, "")
    assert err.splitlines()[-1] == "SyntaxError: invalid syntax"


def test_runner_runs_the_same_script(tmp_path):
    (tmp_path / "script.py").write_text(SCRIPT)
    result = run_python("-m", "taskgroup_patch", "script.py", "none", "x",
                        cwd=str(tmp_path), env=clean_env())
    assert (result.returncode, result.stdout, result.stderr) == (0, START % "none" + END, "")


def test_script_importing_an_except_star_module(tmp_path):
    (tmp_path / "helper.py").write_text(textwrap.dedent("""\
        def catch(group):
            try:
                raise group
            except* OSError as eg:
                caught = eg.exceptions
            return caught
        """))
    source = "import asyncio, helper\nprint(helper.catch(ExceptionGroup('g', [OSError(1)])))\n"
    assert run_script(tmp_path, source=source) == (0, "(OSError(1),)\n", "")
