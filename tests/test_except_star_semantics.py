"""except* semantics, as CPython 3.13 runs them (PEP 654).

The code under test is written to a module file and imported, so on
3.8-3.10 it goes through the package's import hook like any user module;
this file itself holds no except* (it must be collected everywhere).  On
3.11+ the same tests run the interpreter's own except*.
"""

import ast
import glob
import importlib
import inspect
import linecache
import os
import sys
import textwrap
import traceback

import pytest

from taskgroup_patch.exceptstar import transform

from conftest import clean_env, run_python

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup

PACKAGE_DIR = os.path.dirname(transform.__file__)

# Each module gets the group classes as 3.11 code finds them; on 3.8-3.10
# builtins has them only once asyncio is imported (and patched).
PRELUDE = """\
import sys
if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup
"""


@pytest.fixture
def load(tmp_path, monkeypatch):
    """Write source (dedented parts) to a module file, import it, return it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def load(*sources):
        name = "es_case_%d" % len(names)
        names.append(name)
        path = tmp_path / (name + ".py")
        text = PRELUDE + "".join(textwrap.dedent(source) for source in sources)
        path.write_text(text, encoding="utf-8")
        importlib.invalidate_caches()
        return importlib.import_module(name)

    yield load
    for name in names:
        sys.modules.pop(name, None)


def shape(exc):
    """An exception tree as (type name, message or args, children)."""
    if isinstance(exc, BaseExceptionGroup):
        return (type(exc).__name__, exc.message, [shape(e) for e in exc.exceptions])
    return (type(exc).__name__, exc.args)


def frames(exc):
    """(file, line) of each traceback entry of exc."""
    return [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]


def line_of(module, text):
    """The number of the first line of module's file that reads text."""
    with open(module.__file__, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if line.strip() == text:
                return number
    raise AssertionError(text)


def catch(func, *args):
    try:
        func(*args)
    except BaseException as exc:
        return exc
    raise AssertionError("nothing raised")


# --- matching and splitting ------------------------------------------------

SPLIT = """
    import sys

    def split(exc, types):
        seen = {}
        try:
            raise exc
        except* types as e:
            seen["match"] = e
            seen["sys.exc_info"] = sys.exc_info()[1]
        return seen
"""


def test_partial_match_keeps_the_tree_shape(load):
    mod = load(SPLIT)
    eg = ExceptionGroup("g1", [
        ValueError("V1"), OSError("OS1"),
        ExceptionGroup("g2", [OSError("OS2"), ValueError("V2"), TypeError("T")])])
    exc = catch(mod.split, eg, ValueError)
    assert shape(exc) == shape(ExceptionGroup("g1", [
        OSError("OS1"), ExceptionGroup("g2", [OSError("OS2"), TypeError("T")])]))


def test_handler_sees_the_matched_subgroup_as_handled(load):
    mod = load(SPLIT)
    eg = ExceptionGroup("eg", [ValueError(1), ExceptionGroup("in", [ValueError(2)])])
    seen = mod.split(eg, ValueError)
    # Split off, even when every leaf matches: a copy.
    assert seen["match"] is not eg
    assert shape(seen["match"]) == shape(eg)
    assert seen["sys.exc_info"] is seen["match"]
    assert sys.exc_info() == (None, None, None)


def test_group_matched_whole_is_not_copied(load):
    mod = load(SPLIT)
    eg = ExceptionGroup("eg", [ValueError(1)])
    seen = mod.split(eg, Exception)
    assert seen["match"] is eg
    assert seen["sys.exc_info"] is eg


def test_naked_exception_is_wrapped_for_matching(load):
    mod = load(SPLIT)
    leaf = ValueError("naked")
    match = mod.split(leaf, (TypeError, ValueError))["match"]
    assert type(match) is ExceptionGroup
    assert match.message == ""
    assert match.exceptions == (leaf,)


def test_unmatched_naked_exception_is_reraised_unchanged(load):
    mod = load(SPLIT)
    leaf = KeyError("k")
    assert catch(mod.split, leaf, ValueError) is leaf


def test_unmatched_group_leaves_as_a_copy_of_the_same_shape(load):
    mod = load(SPLIT)
    eg = ExceptionGroup("eg", [ValueError(1), TypeError(2)])
    exc = catch(mod.split, eg, OSError)
    assert exc is not eg
    assert shape(exc) == shape(eg)
    # The original's traceback, under the entry of the frame that caught it.
    assert exc.__traceback__.tb_next is eg.__traceback__


def test_base_exception_group_rest(load):
    mod = load(SPLIT)
    interrupt = KeyboardInterrupt()
    exc = catch(mod.split, BaseExceptionGroup("b", [interrupt, ValueError(1)]), ValueError)
    assert type(exc) is BaseExceptionGroup
    assert exc.exceptions == (interrupt,)


def test_first_matching_handler_wins_and_each_sees_its_part(load):
    mod = load("""
        import sys

        def run(eg):
            seen = []
            try:
                raise eg
            except* BlockingIOError as e:
                seen.append(("blocking", e, sys.exc_info()[1]))
            except* OSError:
                seen.append(("os", sys.exc_info()[1], sys.exc_info()[1]))
            except* ValueError:
                seen.append(("value", None, None))
            return seen
    """)
    io_error, os_error = BlockingIOError("io"), OSError("os")
    seen = mod.run(ExceptionGroup("eg", [os_error, io_error]))
    assert [(name, e is handled) for name, e, handled in seen] == [
        ("blocking", True), ("os", True)]
    assert seen[0][1].exceptions == (io_error,)
    assert seen[1][1].exceptions == (os_error,)


# --- re-raising and raising -------------------------------------------------

RERAISE = """
    def reraise_some(eg):
        try:
            raise eg
        except* TypeError:
            raise
        except* ValueError as e:
            pass

    def reraise_naked(exc):
        try:
            raise exc
        except* ValueError:
            raise

    def raise_new(eg):
        try:
            raise eg
        except* OSError as e:
            raise KeyError("new") from e

    def raise_two(eg):
        try:
            raise eg
        except* TypeError:
            raise SyntaxError(3)
        except* ValueError:
            raise IndexError(4)

    def raise_in_naked(exc):
        try:
            raise exc
        except* ValueError:
            raise KeyError("new")
"""


def test_bare_raise_reraises_the_matched_part_in_the_original_shape(load):
    mod = load(RERAISE)
    eg = ExceptionGroup("eg", [TypeError(1), ValueError(2), OSError(3)])
    exc = catch(mod.reraise_some, eg)
    assert shape(exc) == shape(ExceptionGroup("eg", [TypeError(1), OSError(3)]))
    # Re-raised parts keep the original's metadata.
    assert exc.__traceback__.tb_next is eg.__traceback__


def test_reraised_naked_exception_leaves_wrapped(load):
    mod = load(RERAISE)
    leaf = ValueError(42)
    exc = catch(mod.reraise_naked, leaf)
    assert type(exc) is ExceptionGroup and exc.exceptions == (leaf,)


def test_new_exception_is_grouped_with_the_rest(load):
    mod = load(RERAISE)
    eg = ExceptionGroup("eg", [ValueError(1), OSError(2)])
    exc = catch(mod.raise_new, eg)
    assert shape(exc) == ("ExceptionGroup", "", [
        ("KeyError", ("new",)), shape(ExceptionGroup("eg", [ValueError(1)]))])
    new = exc.exceptions[0]
    matched = new.__cause__
    assert shape(matched) == shape(ExceptionGroup("eg", [OSError(2)]))
    assert new.__context__ is matched
    assert matched.__traceback__ is eg.__traceback__
    # The new group was not raised here: no traceback entry of this frame.
    assert exc.__context__ is None


def test_two_new_exceptions_each_chained_to_their_match(load):
    mod = load(RERAISE)
    exc = catch(mod.raise_two, ExceptionGroup("eg", [TypeError(1), ValueError(2)]))
    assert shape(exc) == ("ExceptionGroup", "", [("SyntaxError", (3,)), ("IndexError", (4,))])
    assert [shape(e.__context__) for e in exc.exceptions] == [
        shape(ExceptionGroup("eg", [TypeError(1)])),
        shape(ExceptionGroup("eg", [ValueError(2)]))]


def test_new_exception_for_a_naked_one_is_not_grouped(load):
    mod = load(RERAISE)
    leaf = ValueError(1)
    exc = catch(mod.raise_in_naked, leaf)
    assert type(exc) is KeyError
    assert exc.__context__.exceptions == (leaf,)


def test_notes_are_copied_to_the_parts(load):
    mod = load(RERAISE)
    eg = ExceptionGroup("eg", [TypeError(1), ValueError(2), OSError(3)])
    eg.__notes__ = ["note"]
    exc = catch(mod.reraise_some, eg)
    assert exc.__notes__ == ["note"]
    assert exc.__notes__ is not eg.__notes__


RETRACE = """
    def other_traceback():
        try:
            raise KeyError("elsewhere")
        except KeyError as exc:
            return exc.__traceback__

    def drop_traceback(eg):
        try:
            raise eg
        except* ValueError as e:
            if e is not None:
                e.__traceback__ = None
                raise

    def replace_traceback(eg, tb):
        try:
            raise eg
        except* ValueError as e:
            e.with_traceback(tb)
            try:
                raise
            finally:
                pass

    def add_notes(eg):
        try:
            raise eg
        except* ValueError as e:
            e.add_note("added")
            e.__notes__ = ["replaced"]
            raise
"""


def test_a_reraise_with_a_traceback_set_by_the_handler_is_a_new_raise(load):
    # 3.13 (_PyExc_PrepReraiseStar) tells a re-raised part by its traceback,
    # cause and context being the original's: a handler that set the
    # traceback and re-raised has raised a new exception.
    mod = load(RETRACE)
    eg = ExceptionGroup("eg", [ValueError(1), TypeError(2)])
    exc = catch(mod.drop_traceback, eg)
    assert shape(exc) == ("ExceptionGroup", "", [
        shape(ExceptionGroup("eg", [ValueError(1)])),
        shape(ExceptionGroup("eg", [TypeError(2)]))])
    assert exc.exceptions[0].__traceback__ is None
    assert exc.exceptions[1].__traceback__ is eg.__traceback__

    tb = mod.other_traceback()
    eg = ExceptionGroup("eg", [ValueError(1), TypeError(2)])
    exc = catch(mod.replace_traceback, eg, tb)
    assert len(exc.exceptions) == 2
    assert exc.exceptions[0].__traceback__ is tb


def test_notes_do_not_make_a_reraise_new(load):
    mod = load(RETRACE)
    eg = ExceptionGroup("eg", [ValueError(1), TypeError(2)])
    exc = catch(mod.add_notes, eg)
    assert shape(exc) == shape(eg)
    assert exc.__traceback__.tb_next is eg.__traceback__


def test_subclass_derive_builds_the_parts(load):
    mod = load(RERAISE, """
    class EG(ExceptionGroup):
        def __new__(cls, message, excs, code):
            obj = super().__new__(cls, message, excs)
            obj.code = code
            return obj

        def derive(self, excs):
            return EG(self.message, excs, self.code)

    class FalsyEG(ExceptionGroup):
        def __bool__(self):
            return False

        def derive(self, excs):
            return FalsyEG(self.message, excs)
    """)
    exc = catch(mod.reraise_some, mod.EG("eg", [TypeError(1), ValueError(2)], 42))
    assert type(exc) is mod.EG and exc.code == 42
    exc = catch(mod.reraise_some, mod.FalsyEG("eg", [TypeError(1), ValueError(2)]))
    assert type(exc) is mod.FalsyEG and not exc
    assert shape(exc) == ("FalsyEG", "eg", [("TypeError", (1,))])


# --- the exception being handled -------------------------------------------

def test_sys_exception_restored_after_except_star_inside_except(load):
    mod = load("""
        import sys

        def run():
            try:
                raise ValueError(42)
            except ValueError:
                try:
                    raise TypeError(1)
                except* TypeError:
                    inner = sys.exc_info()[1]
                after = sys.exc_info()[1]
                1/0
    """)
    exc = catch(mod.run)
    assert type(exc) is ZeroDivisionError
    assert type(exc.__context__) is ValueError
    assert sys.exc_info() == (None, None, None)


def test_nested_except_star_restores_the_outer_match(load):
    mod = load("""
        import sys

        def run():
            seen = []
            try:
                raise ExceptionGroup("outer", [ValueError(1)])
            except* ValueError as outer:
                try:
                    raise ExceptionGroup("inner", [TypeError(2)])
                except* TypeError as inner:
                    seen.append(sys.exc_info()[1] is inner)
                seen.append(sys.exc_info()[1] is outer)
            seen.append(sys.exc_info()[1])
            return seen
    """)
    assert mod.run() == [True, True, None]


def test_else_and_finally(load):
    mod = load("""
        import sys

        def run(raising):
            order = []
            try:
                if raising:
                    raise ExceptionGroup("eg", [ValueError(1)])
            except* ValueError:
                order.append("handler")
            else:
                order.append("else")
            finally:
                order.append(("finally", sys.exc_info()[1]))
            return order
    """)
    assert mod.run(False) == ["else", ("finally", None)]
    assert mod.run(True) == ["handler", ("finally", None)]


def test_handler_names_and_no_temporaries_left(load):
    mod = load("""
        def run():
            try:
                raise ExceptionGroup("eg", [ValueError(1)])
            except* ValueError as e:
                inside = "e" in locals()
            return inside, sorted(locals())

        class Body:
            try:
                raise ValueError(1)
            except* ValueError as e:
                pass
    """)
    assert mod.run() == (True, ["inside"])
    assert [name for name in vars(mod.Body) if not name.startswith("__")] == []


def test_break_continue_return_inside_nested_scopes_and_loops(load):
    mod = load("""
        def run():
            try:
                raise ValueError(42)
            except* Exception:
                count = 0
                for i in range(5):
                    if i == 0:
                        continue
                    if i == 4:
                        break
                    count += 1
                def double(x):
                    return 2 * x
            return count, double(3)
    """)
    assert mod.run() == (3, 6)


# --- generators and coroutines ------------------------------------------------

def test_yield_inside_a_handler(load):
    mod = load("""
        import sys

        def gen():
            try:
                raise ExceptionGroup("eg", [ValueError(1), TypeError(2)])
            except* ValueError as e:
                sent = yield "value"
                assert sys.exc_info()[1] is e
                yield sent
                raise
            except* TypeError:
                yield "type"
    """)
    g = mod.gen()
    assert next(g) == "value"
    assert sys.exc_info() == (None, None, None)
    assert g.send("sent") == "sent"
    assert next(g) == "type"
    exc = catch(next, g)
    assert shape(exc) == ("ExceptionGroup", "eg", [("ValueError", (1,))])


def test_await_inside_a_handler_with_taskgroup(load):
    mod = load("""
        import asyncio
        import sys

        async def fail(exc):
            await asyncio.sleep(0)
            raise exc

        async def main():
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(fail(ConnectionError("a")))
                    tg.create_task(fail(ValueError("b")))
            except* ConnectionError as eg:
                await asyncio.sleep(0.001)
                handled = sys.exc_info()[1] is eg
                errors = [str(e) for e in eg.exceptions]
                raise RuntimeError("after await")
    """)
    import asyncio
    exc = catch(asyncio.run, mod.main())
    assert shape(exc) == ("ExceptionGroup", "", [
        ("RuntimeError", ("after await",)),
        ("ExceptionGroup", "unhandled errors in a TaskGroup", [("ValueError", ("b",))])])
    assert shape(exc.exceptions[0].__context__) == (
        "ExceptionGroup", "unhandled errors in a TaskGroup", [("ConnectionError", ("a",))])


# --- runtime TypeErrors -------------------------------------------------------

TYPES = """
    def run(exc, types):
        try:
            raise exc
        except* types:
            pass
"""
NOT_A_CLASS = "catching classes that do not inherit from BaseException is not allowed"
GROUP = "catching ExceptionGroup with except* is not allowed. Use except instead."


@pytest.mark.parametrize("types, message", [
    (42, NOT_A_CLASS),
    ((ValueError, 42), NOT_A_CLASS),
    ((ExceptionGroup, 42), NOT_A_CLASS),
    (ExceptionGroup, GROUP),
    (BaseExceptionGroup, GROUP),
    ((TypeError, ExceptionGroup), GROUP),
])
def test_invalid_except_star_types(load, types, message):
    mod = load(TYPES)
    leaf = OSError("blah")
    exc = catch(mod.run, leaf, types)
    assert type(exc) is TypeError
    assert str(exc) == message
    assert exc.__context__ is leaf
    # Raised at the except* clause, from no frame of the package.
    assert frames(exc)[-1] == (mod.__file__, line_of(mod, "except* types:"))


def test_an_exception_group_subclass_is_rejected_too(load):
    mod = load(TYPES, """
    class MyGroup(ExceptionGroup):
        pass
    """)
    exc = catch(mod.run, ValueError(1), mod.MyGroup)
    assert type(exc) is TypeError and str(exc) == GROUP


def test_type_expression_errors_propagate(load):
    mod = load("""
        def run():
            try:
                raise ValueError(1)
            except* undefined_name:
                pass
    """)
    exc = catch(mod.run)
    assert type(exc) is NameError
    assert type(exc.__context__) is ValueError


# --- tracebacks and tools ---------------------------------------------------

def test_tracebacks_point_at_the_user_lines_only(load):
    mod = load("""
        def fail():
            raise ExceptionGroup("eg", [ValueError(1), TypeError(2)])

        def run():
            try:
                fail()
            except* ValueError:
                raise KeyError("new")
    """)
    exc = catch(mod.run)
    everything = frames(exc) + [fr for e in exc.exceptions for fr in frames(e)]
    assert not [f for f, _ in everything if f.startswith(PACKAGE_DIR)]
    assert frames(exc.exceptions[0]) == [(mod.__file__, line_of(mod, 'raise KeyError("new")'))]
    assert frames(exc.exceptions[1]) == [
        (mod.__file__, line_of(mod, "fail()")),
        (mod.__file__, line_of(mod, 'raise ExceptionGroup("eg", [ValueError(1), TypeError(2)])'))]
    rendered = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    assert "taskgroup_patch" not in rendered


def test_inspect_and_linecache_see_the_real_file(load):
    source = """
        def run():
            try:
                raise ValueError(1)
            except* ValueError:
                return_value = "handled"
            return return_value
    """
    mod = load(source)
    assert mod.run() == "handled"
    assert inspect.getsource(mod.run) == textwrap.dedent(source).lstrip("\n")
    line = line_of(mod, "except* ValueError:")
    assert linecache.getline(mod.__file__, line) == "    except* ValueError:\n"


def test_a_tracer_sees_only_the_users_lines(load):
    mod = load("""
        def run():
            try:
                raise ExceptionGroup("x", [ValueError(1), TypeError(2)])
            except* ValueError as e:
                y = 1
            except* OSError:
                y = 2
            except* TypeError as t:
                y = 3
            return y
    """)
    lines = []

    def tracer(frame, event, arg):
        if frame.f_code is mod.run.__code__ and event == "line":
            lines.append(frame.f_lineno - mod.run.__code__.co_firstlineno)
        return tracer

    sys.settrace(tracer)
    try:
        mod.run()
    finally:
        sys.settrace(None)
    # Each clause is seen as it is tried, each body as it runs, and nothing
    # in between: pdb steps as it would on 3.13.
    assert lines == [1, 2, 3, 4, 5, 7, 8, 9]


# --- against native 3.13 -----------------------------------------------------

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "except_star_cases")


def native_313():
    """A CPython 3.13 to compare with: this one, or pyenv's."""
    if sys.version_info[:2] == (3, 13):
        return sys.executable
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", "3.13.*", "bin", "python")))
    return found[-1] if found else None


def test_programs_print_what_they_print_on_313(tmp_path):
    native = native_313()
    if native is None:
        pytest.skip("no CPython 3.13 to compare with (pyenv)")
    code = "import trace_cases; trace_cases.run_all()"
    # -B: no bytecode next to the case file; PYTHONPATH finds it (a plain
    # 3.13 has no package, so nothing else of this venv may leak into it).
    env = clean_env(PYTHONPATH=CASES)
    ours = run_python("-B", "-c", code, env=env, cwd=str(tmp_path))
    theirs = run_python("-B", "-c", code, env=env, cwd=str(tmp_path), python=native)
    assert ours.stderr == theirs.stderr == ""
    ours, theirs = cases(ours.stdout), cases(theirs.stdout)
    assert len(theirs) == 28
    if sys.version_info[:2] == (3, 8):
        # 3.8's gen.throw() (so close()) does not chain __context__
        # (bpo-29587): the GeneratorExit of a generator closed inside a
        # handler lacks the matched group as its context.
        del ours["c26"], theirs["c26"]
    assert ours == theirs


def cases(output):
    """What trace_cases printed, by case."""
    blocks = {}
    for block in output.split("== ")[1:]:
        name, _, text = block.partition("\n")
        blocks[name] = text.splitlines()
    return blocks


# --- the transform's API: parse, uses_except_star -------------------------------

def compile_source(source, filename, mode="exec", flags=0):
    """compile() of what the transform makes of *source*."""
    return compile(transform.parse(source, filename, mode, flags=flags), filename, mode,
                   flags, True)


def syntax_error(source, filename="<string>"):
    with pytest.raises(SyntaxError) as info:
        compile_source(textwrap.dedent(source), filename, "exec")
    return info.value


def where(exc):
    if sys.version_info >= (3, 10):
        return exc.msg, exc.lineno, exc.offset, exc.end_lineno, exc.end_offset
    return exc.msg, exc.lineno, exc.offset


MIXED = "cannot have both 'except' and 'except*' on the same 'try'"
BARE = "expected one or more exception types"
FLOW = "'break', 'continue' and 'return' cannot appear in an except* block"


@pytest.mark.parametrize("source, expected", [
    ("try: pass\nexcept ValueError: pass\nexcept* TypeError: pass\n", (MIXED, 3, 1, 3, 8)),
    ("try: pass\nexcept* ValueError: pass\nexcept TypeError: pass\n", (MIXED, 3, 1, 3, 7)),
    ("try: pass\nexcept* ValueError: pass\nexcept: pass\n", (MIXED, 3, 1, 3, 7)),
    ("try:\n  pass\nexcept C: pass\nexcept  *  B:\n  pass\n", (MIXED, 4, 1, 4, 10)),
    ("try: pass\nexcept ValueError: pass\nexcept*: pass\n", (BARE, 3, 8, 3, 9)),
    ("try:\n  pass\nexcept *  :\n  pass\n", (BARE, 3, 11, 3, 12)),
    ("for i in x:\n  try:\n    pass\n  except* A:\n    if i: break\n", (FLOW, 5, 11, 5, 16)),
    ("for i in x:\n  try:\n    pass\n  except* A:\n    continue\n", (FLOW, 5, 5, 5, 13)),
    ("def f():\n  try:\n    pass\n  except* A:\n    return 42\n", (FLOW, 5, 12, 5, 14)),
    ("def f():\n  try:\n    pass\n  except* A:\n    return x\n", (FLOW, 5, 5, 5, 13)),
    # A compiler error: its offsets count UTF-8 bytes.
    ("def f():\n  try:\n    pass\n  except* A:\n    y = '\xe9\xe9'; return 42\n", (FLOW, 5, 24, 5, 26)),
    ("def f():\n  try:\n    pass\n  except* A:\n    with a:\n      return 42\n", (FLOW, -1, 0, -1, 0)),
    ("def f():\n  try:\n    pass\n  except* A:\n    try:\n      pass\n    finally:\n      return 1\n",
     (FLOW, 8, 14, 8, 15)),
    ("for x in y:\n  try:\n    pass\n  except* A:\n    for z in w:\n      pass\n    else:\n      break\n",
     (FLOW, 8, 7, 8, 12)),
    ("x = 'é'\ntry:\n  pass\nexcept* A:\n  return 'é'\n", ("'return' outside function", 5, 3, 5, 14)),
])
def test_misuse_is_a_syntax_error_as_in_313(source, expected):
    exc = syntax_error(source)
    assert where(exc) == expected[:len(where(exc))]
    assert exc.filename == "<string>"


def test_valid_flow_inside_a_handler_compiles():
    compile_source(textwrap.dedent("""
        def f():
            try:
                pass
            except* A:
                for i in x:
                    break
                while 1:
                    continue
                def g(): return 1
                class C:
                    pass
                async def h(): return 2
                lambda: 1
            else:
                return 3
    """), "<string>", "exec")


def test_an_unrelated_syntax_error_is_the_interpreters_own():
    source = "try:\n  pass\nexcept* A:\n  pass\nx = (\n"
    exc = syntax_error(source, "mod.py")
    plain = source.replace("except*", "except ")
    with pytest.raises(SyntaxError) as own:
        compile(plain, "mod.py", "exec")
    assert where(exc) == where(own.value)
    assert exc.text == own.value.text


def test_except_star_inside_strings_is_left_alone():
    source = "s = '''\nexcept* A:\n'''\ntry:\n  pass\nexcept* B:\n  t = '''\nexcept* C\n'''\n"
    namespace = {"B": ValueError}
    exec(compile_source(source, "<string>", "exec"), namespace)
    assert namespace["s"] == "\nexcept* A:\n"


def test_compile_source_reads_the_coding_cookie():
    source = "# -*- coding: latin-1 -*-\ntry:\n  raise ValueError('\xe9')\nexcept* ValueError as e:\n  got = e.exceptions[0].args[0]\n"
    namespace = {}
    exec(compile_source(source.encode("latin-1"), "<bytes>", "exec"), namespace)
    assert namespace["got"] == "\xe9"


def test_parse_honours_future_flags():
    import __future__
    source = "def f(x: undefined) -> None:\n  try:\n    pass\n  except* A:\n    pass\n"
    flag = __future__.annotations.compiler_flag
    namespace = {}
    exec(compile_source(source, "<string>", "exec", flag), namespace)
    assert namespace["f"].__annotations__ == {"x": "undefined", "return": "None"}


def test_parse_keeps_every_line_and_column():
    source = "try:\n    x = 1\nexcept* (ValueError,\n         TypeError) as e:\n    y = e\n"
    tree = transform.parse(source, "<string>")
    names = {(n.id, n.lineno, n.col_offset) for n in ast.walk(tree)
             if isinstance(n, ast.Name) and not n.id.startswith("_exceptstar")}
    assert {("x", 2, 4), ("ValueError", 3, 9), ("TypeError", 4, 9),
            ("y", 5, 4), ("e", 5, 8)} <= names


def test_parse_without_except_star_is_plain_ast_parse():
    source = "try:\n  x = a * b\nexcept (A, B):\n  pass\n"
    assert ast.dump(transform.parse(source)) == ast.dump(ast.parse(source))


@pytest.mark.parametrize("source, expected", [
    ("try:\n  pass\nexcept* A:\n  pass\n", True),
    ("try:\n  pass\nexcept *A:\n  pass\n", True),
    ("try:\n  pass\nexcept \\\n    * A:\n  pass\n", True),
    ("try:\n  pass\n\texcept\t*A:\n  pass\n", True),
    ("try:\n  pass\nexcept A:\n  x = a * b\n", False),
    ("x = 'except'\ny = 2 * 3\n", False),
    ("exceptional = 1\n", False),
])
def test_uses_except_star(source, expected):
    assert transform.uses_except_star(source) is expected
    assert transform.uses_except_star(source.encode()) is expected
