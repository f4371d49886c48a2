"""Exception notes (PEP 678): BaseException.add_note() and __notes__.

On 3.8-3.10 add_note() is put into the built-in BaseException type when
asyncio (or exceptiongroup) is first imported; from then on every exception
class has it, built-in or not, including those made before.  The rules are
3.11's, and notes print wherever a traceback does.
"""

import copy
import logging
import pickle

import pytest

from conftest import PATCHED, clean_env, run_python


class AppError(Exception):
    pass


class SlottedError(KeyError):
    __slots__ = ("detail",)


@pytest.mark.parametrize("cls", [BaseException, Exception, ValueError, OSError, KeyError,
                                 SystemExit, AppError, SlottedError])
def test_every_exception_class_has_add_note(cls):
    exc = cls("x")
    assert not hasattr(exc, "__notes__")
    exc.add_note("first")
    exc.add_note("second")
    assert exc.__notes__ == ["first", "second"]
    assert type(exc.__notes__) is list
    assert cls.add_note is BaseException.add_note


def test_groups_have_the_same_add_note():
    group = ExceptionGroup("eg", [ValueError(1)])
    group.add_note("on the group")
    assert group.__notes__ == ["on the group"]
    assert type(group).add_note is BaseException.add_note
    assert not hasattr(group.exceptions[0], "__notes__")


@pytest.mark.parametrize("note", [42, None, b"bytes", ["a list"]])
def test_a_note_must_be_a_str(note):
    exc = ValueError()
    with pytest.raises(TypeError) as info:
        exc.add_note(note)
    assert str(info.value) == "note must be a str, not %r" % type(note).__name__
    assert not hasattr(exc, "__notes__")


def test_str_subclasses_are_notes():
    class Text(str):
        pass

    exc = ValueError()
    exc.add_note(Text("styled"))
    assert exc.__notes__ == ["styled"]


@pytest.mark.parametrize("notes", [42, ("a tuple",), "a str", None])
def test_notes_that_are_not_a_list_refuse_more(notes):
    exc = ValueError()
    exc.__notes__ = notes
    with pytest.raises(TypeError, match="^Cannot add note: __notes__ is not a list$"):
        exc.add_note("more")
    assert exc.__notes__ == notes


def test_a_list_subclass_takes_the_note_without_calling_its_append():
    class Notes(list):
        def append(self, item):
            raise AssertionError("not called by add_note")

    exc = ValueError()
    exc.__notes__ = Notes(["old"])
    exc.add_note("new")
    assert list(exc.__notes__) == ["old", "new"]


def test_deleted_notes_start_again():
    exc = ValueError()
    exc.add_note("one")
    del exc.__notes__
    assert not hasattr(exc, "__notes__")
    exc.add_note("two")
    assert exc.__notes__ == ["two"]


def test_an_error_reading_notes_propagates_from_add_note():
    class Broken(Exception):
        def __getattr__(self, name):
            raise ValueError("no " + name)

    with pytest.raises(ValueError, match="no __notes__"):
        Broken().add_note("x")


def test_add_note_takes_one_positional_argument():
    exc = ValueError()
    with pytest.raises(TypeError):
        exc.add_note()
    with pytest.raises(TypeError):
        exc.add_note("a", "b")
    with pytest.raises(TypeError):
        exc.add_note(note="a")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_notes_survive_pickle(protocol):
    exc = AppError("bad")
    exc.add_note("context")
    copied = pickle.loads(pickle.dumps(exc, protocol))
    assert (type(copied), copied.args, copied.__notes__) == (AppError, ("bad",), ["context"])
    copied.add_note("only here")
    assert exc.__notes__ == ["context"]


def test_notes_survive_copy_as_on_311():
    exc = ValueError(1)
    exc.add_note("shared")
    # copy.copy() shares the instance dictionary's values, __notes__ too.
    assert copy.copy(exc).__notes__ is exc.__notes__
    deep = copy.deepcopy(exc)
    assert deep.__notes__ == ["shared"] and deep.__notes__ is not exc.__notes__


def test_split_gives_each_part_its_own_copy_of_the_notes():
    group = ExceptionGroup("eg", [ValueError(1), TypeError(2)])
    group.add_note("from the group")
    match, rest = group.split(TypeError)
    assert match.__notes__ == rest.__notes__ == ["from the group"]
    assert match.__notes__ is not group.__notes__ is not rest.__notes__
    match.add_note("match only")
    assert group.__notes__ == rest.__notes__ == ["from the group"]
    # A tuple is a sequence: copied into a list.
    group.__notes__ = ("a", "b")
    assert group.subgroup(ValueError).__notes__ == ["a", "b"]
    # Anything else is not copied.
    group.__notes__ = 123
    match, rest = group.split(TypeError)
    assert not hasattr(match, "__notes__") and not hasattr(rest, "__notes__")


def test_notes_show_in_the_traceback_module_and_logging(caplog):
    try:
        try:
            raise KeyError("k")
        except KeyError as exc:
            exc.add_note("while looking up k")
            exc.add_note("two lines\nof note")
            raise
    except KeyError:
        logging.getLogger("notes").exception("failed")
        import traceback
        text = traceback.format_exc()
    assert text.endswith("KeyError: 'k'\nwhile looking up k\ntwo lines\nof note\n")
    assert caplog.records[0].exc_text.endswith(
        "KeyError: 'k'\nwhile looking up k\ntwo lines\nof note")


UNCAUGHT = """\
import asyncio

async def main():
    error = ValueError("boom")
    error.add_note("while fetching")
    raise error

asyncio.run(main())
"""


def test_notes_show_in_an_uncaught_traceback(tmp_path):
    script = tmp_path / "uncaught.py"
    script.write_text(UNCAUGHT)
    result = run_python(str(script))
    assert result.returncode == 1
    assert result.stderr.endswith("ValueError: boom\nwhile fetching\n"), result.stderr


NOTED_TEST = """\
def test_fails():
    error = ValueError("in a test")
    error.add_note("the note pytest shows")
    raise error
"""


def test_notes_show_in_pytest_failures(tmp_path):
    (tmp_path / "test_noted.py").write_text(NOTED_TEST)
    result = run_python("-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path),
                        cwd=str(tmp_path), env=clean_env())
    assert result.returncode == 1
    assert "E       ValueError: in a test\nE       the note pytest shows\n" in result.stdout, \
        result.stdout


def test_add_note_arrives_with_asyncio_even_after_a_failed_lookup():
    # A lookup that failed before is cached by the interpreter; the patch
    # invalidates that cache, for classes made before it too.
    result = run_python(code="""
        import sys

        class Early(Exception):
            pass

        before = [hasattr(cls(), "add_note") for cls in (ValueError, Early) for _ in range(3)]
        import asyncio
        for cls in (ValueError, Early, OSError):
            error = cls()
            error.add_note("late")
            assert error.__notes__ == ["late"]
        print(before)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([not PATCHED] * 6)


@pytest.mark.skipif(not PATCHED, reason="3.11+ has add_note whatever TASKGROUP_PATCH says")
def test_add_note_is_off_with_the_patch_off():
    result = run_python(code="""
        import asyncio
        print(hasattr(ValueError(), "add_note"), "add_note" in BaseException.__dict__)
    """, env=clean_env(TASKGROUP_PATCH="0"))
    assert result.stdout.strip() == "False False", result.stderr


def test_add_note_is_a_method_of_base_exception():
    assert "add_note" in BaseException.__dict__
    assert "add_note" not in ValueError.__dict__
    assert BaseException.add_note.__qualname__ == "BaseException.add_note"
    bound = ValueError().add_note
    assert bound.__self__.__class__ is ValueError
