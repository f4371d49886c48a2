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


def test_opted_in_compile_takes_what_the_builtin_takes(tmp_path):
    # ast.parse passes _feature_version; inspect parses signatures with it;
    # every argument may be given by keyword.
    code = textwrap.dedent("""\
        import ast, inspect
        print(type(ast.parse("x = 1", feature_version=(3, 8))).__name__)
        print(inspect.signature(len))
        code = compile(source="x = 1", filename="src", mode="exec", flags=0,
                       dont_inherit=True, optimize=2)
        print(type(code).__name__, eval(compile("1 + 2", "src", "eval", _feature_version=8)))
        try:
            compile("x = 1", "src")
        except TypeError:
            print("mode is required")
        """)
    assert run(tmp_path, code=code, **ON) == (
        0, "Module\n(obj, /)\ncode 3\nmode is required\n", "")


def test_pytest_with_the_opt_in(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    (tmp_path / "test_star.py").write_text(textwrap.dedent("""\
        def test_star():
            try:
                raise ExceptionGroup("g", [ValueError(1)])
            except* ValueError as group:
                assert len(group.exceptions) == 1
        """))
    status, out, err = run(tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", **ON)
    assert status == 0, out + err
    assert "2 passed" in out


@pytest.mark.parametrize("tool", [["-m", "compileall", "-q", "."], ["-m", "py_compile", "mod.py"]])
def test_byte_compiling_never_writes_transformed_code(tmp_path, tool):
    (tmp_path / "mod.py").write_text(PRELUDE + SOURCE)
    run(tmp_path, *tool, **ON)
    # The standard .pyc, where there is one, is the interpreter's: a plain
    # interpreter still reads the source, and reports except* as it does.
    status, out, err = run(tmp_path, code="import mod", TASKGROUP_PATCH="0")
    if PATCHED:
        assert (status, out) == (1, "")
        assert err.splitlines()[-1] == "SyntaxError: invalid syntax", err
    else:
        assert (status, out, err) == (0, OUTPUT, "")
    # Patched, the module imports, from the package's own cache thereafter.
    assert run(tmp_path, code="import mod", **ON) == (0, OUTPUT, "")
    assert run(tmp_path, code="import mod") == (0, OUTPUT, "")


def test_pip_install_never_writes_transformed_code(tmp_path):
    # A wheel made by hand: one module using except*, byte-compiled by pip.
    wheel = tmp_path / "starry-1.0-py3-none-any.whl"
    files = {
        "starry.py": PRELUDE + SOURCE,
        "starry-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: starry\nVersion: 1.0\n",
        "starry-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\n"
                                      "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join("%s,,\n" % name for name in files) + "starry-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(str(wheel), "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("starry-1.0.dist-info/RECORD", record)
    target = tmp_path / "site"
    status, out, err = run(tmp_path, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--disable-pip-version-check", "--no-index", "--target",
                           str(target), str(wheel), **ON)
    assert status == 0, out + err
    installed = (target / "starry-1.0.dist-info" / "RECORD").read_text()
    standard = "__pycache__/starry.cpython-%d%d.pyc" % sys.version_info[:2]
    assert (standard in installed) == (not PATCHED), installed
    env = {"PYTHONPATH": str(target)}
    status, out, err = run(tmp_path, code="import starry", TASKGROUP_PATCH="0", **env)
    if PATCHED:
        assert err.splitlines()[-1] == "SyntaxError: invalid syntax", err
    else:
        assert (status, out, err) == (0, OUTPUT, "")
    assert run(tmp_path, code="import starry", **env) == (0, OUTPUT, "")
