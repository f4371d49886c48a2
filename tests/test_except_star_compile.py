"""except* in code that compiles strings itself, and the switch for it.

compile() is left as the interpreter's unless TASKGROUP_PATCH_COMPILE=1:
replacing it would cost every compile() call of every program.  Opted in,
exec(compile(...)), doctest, runpy.run_path and zipapps read except*.
"""

import sys
import textwrap
import zipfile

import pytest

from conftest import PATCHED, clean_env, run_python

SOURCE = """\
try:
    raise ExceptionGroup("eg", [ValueError(1), KeyError(2)])
except* ValueError as eg:
    print("value", eg.exceptions)
except* KeyError as eg:
    print("key", eg.exceptions)
"""
OUTPUT = "value (ValueError(1),)\nkey (KeyError(2),)\n"

# ExceptionGroup is a builtin on 3.11+; on 3.8-3.10 the patch adds it when
# asyncio is imported.
PRELUDE = "import asyncio\n"

ON = {"TASKGROUP_PATCH_COMPILE": "1"}


def run(tmp_path, *args, code=None, **env):
    result = run_python(*args, code=code, cwd=str(tmp_path), env=clean_env(**env))
    return result.returncode, result.stdout, result.stderr


EXEC = PRELUDE + "exec(compile(%r, 'src', 'exec'))\n" % SOURCE


def test_exec_compile_needs_the_opt_in(tmp_path):
    status, out, err = run(tmp_path, code=EXEC)
    if PATCHED:
        assert (status, out) == (1, "")
        assert err.splitlines()[-1] == "SyntaxError: invalid syntax"
    else:
        assert (status, out, err) == (0, OUTPUT, "")


def test_exec_compile_opted_in(tmp_path):
    assert run(tmp_path, code=EXEC, **ON) == (0, OUTPUT, "")


def test_compile_inherits_the_callers_future_imports(tmp_path):
    code = textwrap.dedent("""\
        from __future__ import annotations
        import asyncio
        source = "def f(x: undefined): pass\\ntry:\\n    f(1)\\nexcept* ValueError:\\n    pass\\n"
        namespace = {}
        exec(compile(source, "src", "exec"), namespace)
        print(namespace["f"].__annotations__)
        exec(compile(source, "src", "exec", dont_inherit=True), namespace)
        """)
    status, out, err = run(tmp_path, code=code, **ON)
    assert (status, out) == (1, "{'x': 'undefined'}\n")
    assert err.splitlines()[-1] == "NameError: name 'undefined' is not defined"


def test_compile_misuse_is_a_syntax_error_as_in_3_13(tmp_path):
    code = textwrap.dedent("""\
        try:
            compile("try:\\n    pass\\nexcept*:\\n    pass\\n", "src", "exec")
        except SyntaxError as exc:
            print(exc.msg, exc.lineno)
        """)
    assert run(tmp_path, code=code, **ON) == (
        0, "expected one or more exception types 3\n", "")


def test_compile_of_other_code_is_unchanged(tmp_path):
    code = textwrap.dedent("""\
        import ast
        print(type(compile("x = 1", "src", "exec")).__name__,
              type(compile("x = 1", "src", "exec", ast.PyCF_ONLY_AST)).__name__,
              eval(compile("1 + 2", "src", "eval")))
        """)
    assert run(tmp_path, code=code, **ON) == (0, "code Module 3\n", "")


def test_doctest(tmp_path):
    (tmp_path / "doc.txt").write_text(textwrap.dedent("""\
        >>> import asyncio
        >>> try:
        ...     raise ExceptionGroup("eg", [ValueError(1)])
        ... except* ValueError as eg:
        ...     print(eg.exceptions)
        (ValueError(1),)
        """))
    assert run(tmp_path, "-m", "doctest", "doc.txt", **ON) == (0, "", "")


def test_runpy_run_path(tmp_path):
    (tmp_path / "script.py").write_text(PRELUDE + SOURCE)
    code = "import runpy; runpy.run_path('script.py', run_name='__main__')"
    assert run(tmp_path, code=code, **ON) == (0, OUTPUT, "")


def test_zipapp(tmp_path):
    with zipfile.ZipFile(str(tmp_path / "app.pyz"), "w") as app:
        app.writestr("__main__.py", PRELUDE + "import lib\n")
        app.writestr("lib.py", SOURCE)
    assert run(tmp_path, "app.pyz", **ON) == (0, OUTPUT, "")


@pytest.mark.skipif(not PATCHED, reason="3.11+ has except* natively")
def test_check_says_what_is_supported(tmp_path):
    status, out, err = run(tmp_path, "-m", "taskgroup_patch", "--check")
    lines = [line for line in out.splitlines() if line.startswith("except*:")]
    assert lines == ["except*: compiled in a plain run for imported modules (python -m too), "
                     "pytest's test files, python script.py; compile() only with "
                     "TASKGROUP_PATCH_COMPILE=1"], out
    status, out, err = run(tmp_path, "-m", "taskgroup_patch", "--check", **ON)
    assert "; and compile() (TASKGROUP_PATCH_COMPILE=1)" in out


@pytest.mark.skipif(not PATCHED, reason="3.11+ has except* natively")
def test_opt_in_does_nothing_when_switched_off(tmp_path):
    code = "import builtins, sys; print(type(builtins.compile).__name__, hasattr(sys, 'exception'))"
    assert run(tmp_path, code=code, TASKGROUP_PATCH="0", **ON) == (
        0, "builtin_function_or_method False\n", "")
