"""except* in code loaded through the import system, and its bytecode.

Each test runs a fresh interpreter on files in a temporary directory; the
same expectations hold natively on 3.11+, where nothing of the package is
armed.  The bytecode tests check that transformed code never lands in the
standard .pyc, where a plain interpreter would run it.
"""

import os
import sys
import textwrap

import pytest

from conftest import PATCHED, base_python, clean_env, run_python

TAG = sys.implementation.cache_tag

# A module whose handlers run at import: what it prints proves the match.
MODULE = """\
import sys

def split():
    caught = []
    try:
        raise ExceptionGroup("eg", [ValueError(1), TypeError(2), KeyError(3)])
    except* ValueError as eg:
        caught.append(("value", eg.exceptions, sys.exception() is eg))
    except* (TypeError, KeyError) as eg:
        caught.append(("type/key", eg.exceptions))
    return caught

print(__name__, split())
"""
OUTPUT = "%s [('value', (ValueError(1),), True), ('type/key', (TypeError(2), KeyError(3)))]\n"

# ExceptionGroup is a builtin on 3.11+; on 3.8-3.10 the patch adds it when
# asyncio is imported, which every program using TaskGroup does.
PRELUDE = "import asyncio\n"


def write(directory, files):
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def run(tmp_path, *args, code=None, **env):
    result = run_python(*args, code=code, cwd=str(tmp_path), env=clean_env(**env))
    return result.returncode, result.stdout, result.stderr


def pycache(directory):
    folder = directory / "__pycache__"
    return sorted(os.listdir(str(folder))) if folder.is_dir() else []


def test_import_module(tmp_path):
    write(tmp_path, {"m.py": MODULE})
    assert run(tmp_path, code=PRELUDE + "import m") == (0, OUTPUT % "m", "")


def test_import_package_and_submodule(tmp_path):
    write(tmp_path, {"pkg/__init__.py": MODULE, "pkg/sub.py": MODULE})
    assert run(tmp_path, code=PRELUDE + "import pkg.sub") == (
        0, OUTPUT % "pkg" + OUTPUT % "pkg.sub", "")


def test_importlib_import_module_and_reload(tmp_path):
    write(tmp_path, {"m.py": MODULE})
    code = PRELUDE + textwrap.dedent("""
    import importlib
    m = importlib.import_module("m")
    importlib.reload(m)
    """)
    assert run(tmp_path, code=code) == (0, 2 * (OUTPUT % "m"), "")


def test_python_m_module_and_package(tmp_path):
    write(tmp_path, {"mod.py": PRELUDE + MODULE, "pkg/__init__.py": "",
                     "pkg/__main__.py": PRELUDE + MODULE})
    assert run(tmp_path, "-m", "mod") == (0, OUTPUT % "__main__", "")
    assert run(tmp_path, "-m", "pkg") == (0, OUTPUT % "__main__", "")


def test_traceback_points_at_the_users_lines(tmp_path):
    write(tmp_path, {"m.py": """\
        def f():
            try:
                raise ExceptionGroup("eg", [ValueError(1)])
            except* ValueError:
                raise KeyError("inside")
        """})
    code = PRELUDE + textwrap.dedent("""
    import os, traceback, m
    try:
        m.f()
    except KeyError as exc:
        for frame in traceback.extract_tb(exc.__traceback__):
            print(os.path.basename(frame.filename), frame.lineno, frame.name,
                  frame.line if frame.filename.endswith(".py") else "")
    """)
    status, out, err = run(tmp_path, code=code)
    assert (status, err) == (0, "")
    assert out.splitlines() == ["<string> 5 <module> ", "m.py 5 f raise KeyError(\"inside\")"]


@pytest.mark.parametrize("source, message, lineno", [
    ("try:\n    pass\nexcept*:\n    pass\n", "expected one or more exception types", 3),
    ("try:\n    pass\nexcept* ValueError:\n    pass\nexcept KeyError:\n    pass\n",
     "cannot have both 'except' and 'except*' on the same 'try'", 5),
    ("for x in []:\n    try:\n        pass\n    except* ValueError:\n        break\n",
     "'break', 'continue' and 'return' cannot appear in an except* block", 5),
])
def test_misuse_is_a_syntax_error_as_in_3_13(tmp_path, source, message, lineno):
    (tmp_path / "bad.py").write_text(source)
    code = """
    try:
        import bad
    except SyntaxError as exc:
        print(exc.msg, exc.lineno, exc.filename == os.path.abspath("bad.py"))
    """
    assert run(tmp_path, code="import os\n" + textwrap.dedent(code)) == (
        0, "%s %d True\n" % (message, lineno), "")


def test_unrelated_syntax_error_is_the_interpreters(tmp_path):
    # The same error in the same place as in the file without except*.
    body = "try:\n    pass\nexcept%s ValueError:\n    pass\nx = (1,\ny = 2 +\n"
    (tmp_path / "star.py").write_text(body % "*")
    (tmp_path / "plain.py").write_text(body % "")
    code = """
    import sys
    try:
        __import__(sys.argv[1])
    except SyntaxError as exc:
        print(type(exc).__name__, exc.msg, exc.lineno, exc.offset, repr(exc.text))
    """
    star = run(tmp_path, "-c", textwrap.dedent(code), "star")
    plain = run(tmp_path, "-c", textwrap.dedent(code), "plain")
    assert star[0] == 0 and star[2] == ""
    assert star == plain


def test_import_syntax_error_traceback_shows_no_frame_of_the_package(tmp_path):
    (tmp_path / "bad.py").write_text("try:\n    pass\nexcept*:\n    pass\n")
    status, out, err = run(tmp_path, code="import bad")
    assert status == 1 and out == ""
    assert "taskgroup_patch" not in err and "importlib" not in err
    assert err.splitlines()[-4:] == [
        '  File "%s", line 3' % (tmp_path / "bad.py"),
        "    except*:",
        "           ^",
        "SyntaxError: expected one or more exception types",
    ]


def test_except_star_in_a_string_only_imports_as_usual(tmp_path):
    write(tmp_path, {"m.py": 'TEXT = """\nexcept* ValueError:\n"""\nprint(len(TEXT))\n'})
    assert run(tmp_path, code="import m") == (0, "21\n", "")
    # Its code is the interpreter's own, cached where the interpreter caches it.
    assert pycache(tmp_path) == ["m.%s.pyc" % TAG]


def test_modules_without_except_star_load_nothing_of_it(tmp_path):
    write(tmp_path, {"m.py": "try:\n    pass\nexcept ValueError:\n    pass\n"})
    code = """
    import sys, m
    print(sorted(name for name in sys.modules if "exceptstar" in name))
    """
    assert run(tmp_path, code=textwrap.dedent(code)) == (0, "[]\n", "")


def test_sys_exception_without_asyncio():
    code = """
    import sys
    try:
        raise ValueError(1)
    except ValueError as exc:
        print(sys.exception() is exc, sys.exc_info()[1] is exc)
    print(sys.exception())
    """
    result = run_python(code=code)
    assert (result.returncode, result.stdout, result.stderr) == (0, "True True\nNone\n", "")


@pytest.mark.skipif(not PATCHED, reason="3.11+ has except* and sys.exception natively")
def test_switched_off_is_the_interpreter_as_shipped(tmp_path):
    write(tmp_path, {"m.py": MODULE})
    code = """
    import sys
    print(hasattr(sys, "exception"))
    try:
        import m
    except SyntaxError as exc:
        print("SyntaxError", exc.lineno)
    """
    assert run(tmp_path, code=textwrap.dedent(code), TASKGROUP_PATCH="0") == (
        0, "False\nSyntaxError 7\n", "")


def test_cache_never_in_the_standard_pyc(tmp_path):
    write(tmp_path, {"m.py": MODULE})
    code = PRELUDE + textwrap.dedent("""
    import sys, m
    print("taskgroup_patch.exceptstar.transform" in sys.modules)
    """)
    first = run(tmp_path, code=code)
    second = run(tmp_path, code=code)
    if PATCHED:
        # Compiled once, then read from a file of the package's own.
        assert first == (0, OUTPUT % "m" + "True\n", "")
        assert second == (0, OUTPUT % "m" + "False\n", "")
        assert pycache(tmp_path) == ["m.%s.taskgroup-patch.pyc" % TAG]
    else:
        assert first == second == (0, OUTPUT % "m" + "False\n", "")
        assert pycache(tmp_path) == ["m.%s.pyc" % TAG]


def test_edited_source_is_compiled_again(tmp_path):
    write(tmp_path, {"m.py": MODULE})
    assert run(tmp_path, code=PRELUDE + "import m") == (0, OUTPUT % "m", "")
    (tmp_path / "m.py").write_text(MODULE.replace("TypeError(2)", "TypeError(42)"))
    assert run(tmp_path, code=PRELUDE + "import m") == (
        0, (OUTPUT % "m").replace("TypeError(2)", "TypeError(42)"), "")


@pytest.mark.skipif(not PATCHED, reason="3.11+ compiles except* itself")
def test_plain_interpreter_after_the_package_gives_its_own_syntax_error(tmp_path):
    # As after `pip uninstall`, or from another environment sharing the
    # __pycache__ folder: the source is read again, and does not compile.
    write(tmp_path, {"m.py": MODULE})
    assert run(tmp_path, code=PRELUDE + "import m")[0] == 0
    code = """
    try:
        import m
    except SyntaxError as exc:
        print("SyntaxError", exc.lineno)
    """
    for python in (base_python(), sys.executable):
        result = run_python("-c", textwrap.dedent(code), python=python, cwd=str(tmp_path),
                            env=clean_env(TASKGROUP_PATCH="0"))
        assert (result.returncode, result.stdout, result.stderr) == (0, "SyntaxError 7\n", "")


def test_compileall_is_left_alone(tmp_path):
    write(tmp_path, {"m.py": MODULE})
    status, out, err = run(tmp_path, "-m", "compileall", "-q", "m.py")
    if PATCHED:
        # As without the package: the file does not compile, nothing is written.
        assert status == 1 and "SyntaxError" in out
        assert pycache(tmp_path) == []
    else:
        assert (status, out, err) == (0, "", "")
        assert pycache(tmp_path) == ["m.%s.pyc" % TAG]
