"""The few names outside asyncio that 3.11+ libraries import: typing's 3.9-3.13
names, datetime.UTC, enum.StrEnum/ReprEnum/EnumType, functools.cache.

Written in plain names, as 3.11 code is: each test passes on patched
3.8-3.10 and on native 3.11-3.13, where the interpreter's own names answer.
Names added after 3.11 (typing.override is 3.12's, typing.TypeIs 3.13's) are
checked on native interpreters only from the version that has them.
"""

import copy
import dataclasses
import datetime
import enum
import functools
import json
import pickle
import sys
import typing
from datetime import UTC, timezone
from enum import EnumType, ReprEnum, StrEnum, auto
from functools import cache
from typing import Callable, Optional, Self

import pytest

from conftest import PATCHED, clean_env, run_python

NATIVE = not PATCHED

# typing's names by the version that added them.
TYPING_NAMES = {
    (3, 9): ["Annotated"],
    (3, 10): ["Concatenate", "ParamSpec", "ParamSpecArgs", "ParamSpecKwargs", "TypeAlias",
              "TypeGuard", "is_typeddict"],
    (3, 11): ["LiteralString", "Never", "NotRequired", "Required", "Self", "TypeVarTuple",
              "Unpack", "assert_never", "assert_type", "clear_overloads", "dataclass_transform",
              "get_overloads", "reveal_type"],
    (3, 12): ["TypeAliasType", "override"],
    (3, 13): ["NoDefault", "ReadOnly", "TypeIs", "get_protocol_members", "is_protocol"],
}
# Those this interpreter has, natively or from the package.
AVAILABLE = [name for version, names in TYPING_NAMES.items()
             if PATCHED or sys.version_info >= version for name in names]
# Those the package adds here.
ADDED = [name for version, names in TYPING_NAMES.items()
         if PATCHED and sys.version_info < version for name in names]
ADDED_CACHE = sys.version_info < (3, 9)  # functools.cache


def needs(version):
    """Skip on a native interpreter older than *version*, which lacks the name."""
    return pytest.mark.skipif(NATIVE and sys.version_info < version,
                              reason="added in %d.%d" % version)


def child(code, **env):
    """Run *code* in a child interpreter of this venv; return its stdout lines."""
    result = run_python(code=code, env=clean_env(**env))
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout.splitlines()


# -- typing ----------------------------------------------------------------------


@pytest.mark.parametrize("name", AVAILABLE)
def test_typing_name_imports_and_is_an_attribute(name):
    namespace = {}
    exec("from typing import %s" % name, namespace)
    assert namespace[name] is getattr(typing, name)
    assert hasattr(typing, name)
    assert name in dir(typing)


@pytest.mark.parametrize("name", ADDED)
def test_added_typing_name_is_typing_extensions_own_object(name):
    import typing_extensions

    assert getattr(typing, name) is getattr(typing_extensions, name)


def test_names_typing_has_stay_the_interpreters():
    # Nothing typing had is replaced, and only the names looked up are added.
    # (typing_extensions, imported first, rewires two private helpers of
    # typing on 3.10, as it does in any program that imports it.)
    lines = child("""
        import typing
        try:
            import typing_extensions
        except ImportError:
            pass
        before = dict(vars(typing))
        for name in %r:
            getattr(typing, name)
        after = vars(typing)
        print(sorted(name for name in before if after[name] is not before[name]))
        print(sorted(set(after) - set(before)))
        print(typing.Any.__module__, typing.Generic.__module__, typing.TypedDict.__module__)
        """ % (AVAILABLE,))
    # Not even the names looked up go into the module's namespace (see the
    # typing_extensions test below).
    assert lines == ["[]", "[]", "typing typing typing"]


def test_missing_typing_name_fails_as_the_interpreter_says():
    with pytest.raises(AttributeError) as info:
        typing.NoSuchNameAnywhere
    assert str(info.value) == "module 'typing' has no attribute 'NoSuchNameAnywhere'"
    assert not hasattr(typing, "_no_such_private_name")
    with pytest.raises(ImportError, match="cannot import name 'NoSuchNameAnywhere'"):
        exec("from typing import NoSuchNameAnywhere", {})


def test_typing_all_is_the_interpreters():
    # A star-import of typing brings what the interpreter's typing lists: it
    # would otherwise import typing_extensions for every program doing one.
    namespace = {}
    exec("from typing import *", namespace)
    assert [name for name in ADDED if name in typing.__all__ or name in namespace] == []


@dataclasses.dataclass
class Node:
    value: int
    parent: Optional[Self] = None

    def child(self, value: int) -> Self:
        return type(self)(value, self)


@dataclasses.dataclass
class LabelledNode(Node):
    label: str = ""


def test_self_in_a_dataclass_and_get_type_hints():
    leaf = LabelledNode(1).child(2)
    assert type(leaf) is LabelledNode and leaf.parent == LabelledNode(1)
    assert typing.get_type_hints(Node.child) == {"value": int, "return": Self}
    assert typing.get_type_hints(Node) == {"value": int, "parent": Optional[Self]}
    assert [field.name for field in dataclasses.fields(LabelledNode)] == [
        "value", "parent", "label"]


def test_self_with_postponed_annotations():
    namespace = {"__name__": "postponed"}
    exec("from __future__ import annotations\n"
         "from typing import Self\n"
         "class Builder:\n"
         "    def add(self, item: int) -> Self:\n"
         "        return self\n", namespace)
    hints = typing.get_type_hints(namespace["Builder"].add, namespace)
    assert hints == {"item": int, "return": typing.Self}


def test_self_is_not_a_type_to_call_or_subclass():
    with pytest.raises(TypeError):
        Self()
    with pytest.raises(TypeError):
        class Sub(Self):  # noqa: F841
            pass


def test_paramspec_and_concatenate_in_a_decorator():
    from typing import Concatenate, ParamSpec, TypeVar

    P = ParamSpec("P")
    R = TypeVar("R")

    def with_request(function: Callable[Concatenate[str, P], R]) -> Callable[P, R]:
        @functools.wraps(function)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            return function("request", *args, **kwargs)
        return inner

    @with_request
    def handle(request: str, n: int, *, twice: bool = False) -> str:
        return request * (2 if twice else 1) + str(n)

    assert handle(1, twice=True) == "requestrequest1"
    assert P.__name__ == "P"
    assert P.args.__origin__ is P and P.kwargs.__origin__ is P


def test_typevartuple_and_unpack_in_a_generic_class():
    from typing import Generic, TypeVarTuple, Unpack

    Shape = TypeVarTuple("Shape")

    class Array(Generic[Unpack[Shape]]):
        pass

    assert Array[int, str].__args__ == (int, str)
    assert Array.__parameters__ == (Shape,)


def test_typeddict_with_required_and_not_required():
    from typing import NotRequired, Required, TypedDict, is_typeddict

    class Movie(TypedDict, total=False):
        title: Required[str]
        year: NotRequired[int]

    assert Movie(title="Up") == {"title": "Up"}
    assert is_typeddict(Movie) and not is_typeddict(dict)
    assert Movie.__annotations__["year"] == NotRequired[int]


def test_runtime_helpers_return_their_argument(capsys):
    from typing import LiteralString, Never, assert_never, assert_type, reveal_type

    def greet(name: LiteralString) -> str:
        return "hello " + name

    assert assert_type(greet("you"), str) == "hello you"
    assert reveal_type(3) == 3
    assert "int" in capsys.readouterr().err
    with pytest.raises(AssertionError):
        assert_never("unexpected")
    assert typing.get_type_hints(greet) == {"name": LiteralString, "return": str}
    assert Never is typing.Never


def test_type_guard_and_alias_annotations():
    from typing import TypeAlias, TypeGuard

    Pair: TypeAlias = "tuple[int, int]"

    def is_text(value: object) -> TypeGuard[str]:
        return isinstance(value, str)

    assert is_text("a") and not is_text(1)
    assert typing.get_type_hints(is_text)["return"] == TypeGuard[str]
    assert Pair == "tuple[int, int]"


def test_annotated_carries_its_metadata():
    from typing import Annotated

    Port = Annotated[int, "port"]
    assert Port.__metadata__ == ("port",) and Port.__origin__ is int
    assert Annotated[Port, "more"].__metadata__ == ("port", "more")


def test_dataclass_transform_and_overload_registry():
    from typing import clear_overloads, dataclass_transform, get_overloads

    @dataclass_transform()
    def model(cls):
        return cls

    assert model.__dataclass_transform__["eq_default"] is True

    def plain(x):
        return x

    assert list(get_overloads(plain)) == []
    clear_overloads()


@needs((3, 12))
def test_override_marks_the_method():
    from typing import override

    class Base:
        def run(self):
            return "base"

    class Child(Base):
        @override
        def run(self):
            return "child"

    assert Child().run() == "child"
    assert Child.run.__override__ is True


@needs((3, 12))
def test_type_alias_type():
    from typing import List, TypeAliasType

    Vector = TypeAliasType("Vector", List[float])
    assert Vector.__name__ == "Vector"
    assert Vector.__value__ == List[float]


@needs((3, 13))
def test_313_names():
    from typing import (
        NoDefault, Protocol, ReadOnly, TypedDict, TypeIs, get_protocol_members, is_protocol,
    )

    class Closable(Protocol):
        def close(self) -> None: ...

    class Config(TypedDict):
        name: ReadOnly[str]

    def is_int(value: object) -> TypeIs[int]:
        return isinstance(value, int)

    assert is_protocol(Closable) and not is_protocol(int)
    assert get_protocol_members(Closable) == frozenset({"close"})
    assert Config(name="x") == {"name": "x"} and is_int(1)
    assert "NoDefault" in repr(NoDefault)


def test_typing_extensions_sees_the_interpreters_typing():
    # typing_extensions decides by hasattr(typing, "X") whether typing's
    # machinery is new enough to build on (TypeVar(infer_variance=) is 3.12's,
    # get_type_hints(include_extras=) 3.9's): once typing has gained the
    # names, and the program has looked them up, it must still work, and so
    # must a copy vendored under another name.
    lines = child("""
        import typing
        from typing import Self, Annotated
        getattr(typing, "TypeAliasType", None)
        import typing_extensions
        T = typing_extensions.TypeVar("T", infer_variance=True)
        def f(x: Annotated[int, "meta"]) -> None: ...
        print(T.__name__, typing_extensions.get_type_hints(f, include_extras=True)["x"].__metadata__)
        try:
            import pip._vendor.typing_extensions as vendored
        except ImportError:
            print("U")
        else:
            print(vendored.TypeVar("U").__name__)
        """)
    assert lines == ["T ('meta',)", "U"]


# -- datetime --------------------------------------------------------------------


def test_utc_is_timezone_utc():
    assert UTC is timezone.utc is datetime.UTC
    moment = datetime.datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert moment.isoformat() == "2024-02-29T12:00:00+00:00"
    assert datetime.datetime.now(UTC).tzinfo is UTC
    assert moment.astimezone(timezone(datetime.timedelta(hours=1))).hour == 13
    assert (str(UTC), repr(UTC)) == ("UTC", "datetime.timezone.utc")
    assert pickle.loads(pickle.dumps(UTC)) is UTC
    assert "UTC" in dir(datetime)


# -- enum ------------------------------------------------------------------------


class Color(StrEnum):
    RED = auto()
    DARK_GREEN = auto()
    BLUE = "sky blue"


class Size(float, ReprEnum):
    SMALL = 1.5


class Level(int, ReprEnum):
    LOW = 1


def test_strenum_members_are_their_strings():
    assert isinstance(Color.RED, str) and isinstance(Color.RED, enum.Enum)
    assert [member.value for member in Color] == ["red", "dark_green", "sky blue"]
    assert Color.RED == "red" and {"red": 1}[Color.RED] == 1
    assert Color("sky blue") is Color.BLUE and Color["DARK_GREEN"] is Color.DARK_GREEN
    assert Color.BLUE.upper() == "SKY BLUE" and Color.RED + "!" == "red!"
    assert json.dumps({"color": Color.RED}) == '{"color": "red"}'
    assert Color.RED.name == "RED"


def test_strenum_str_format_and_repr():
    member = Color.BLUE
    assert str(member) == "sky blue"
    assert format(member) == "sky blue" and f"{member}" == "sky blue"
    assert f"[{member:>10}]" == "[  sky blue]"
    assert "%s" % member == "sky blue" and "{}".format(member) == "sky blue"
    assert repr(member) == "<Color.BLUE: 'sky blue'>"
    assert StrEnum.__str__ is str.__str__ and StrEnum.__format__ is str.__format__


def test_strenum_refuses_values_that_are_not_strings():
    with pytest.raises(TypeError, match="1 is not a string"):
        class Number(StrEnum):
            ONE = 1
    with pytest.raises(TypeError, match="encoding must be a string"):
        class Encoded(StrEnum):
            RAW = (b"raw", 8)
    with pytest.raises(TypeError, match="too many arguments"):
        class TooMany(StrEnum):
            A = ("a", "b", "c", "d")


def test_strenum_decodes_bytes_as_str_does():
    class Decoded(StrEnum):
        RAW = (b"caf\xc3\xa9", "utf-8")

    assert Decoded.RAW == "caf\u00e9"


def test_strenum_functional_api_lower_cases_auto_values():
    Mode = StrEnum("Mode", ["READ", "WRITE"])
    assert [member.value for member in Mode] == ["read", "write"]
    assert str(Mode.WRITE) == "write"


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_strenum_members_pickle_and_copy_to_themselves(protocol):
    assert pickle.loads(pickle.dumps(Color.DARK_GREEN, protocol)) is Color.DARK_GREEN
    assert pickle.loads(pickle.dumps(Size.SMALL, protocol)) is Size.SMALL
    assert copy.copy(Color.RED) is Color.RED and copy.deepcopy(Color.RED) is Color.RED


def test_reprenum_keeps_the_data_types_str_and_format():
    assert (str(Size.SMALL), format(Size.SMALL, ".2f"), f"{Size.SMALL}") == ("1.5", "1.50", "1.5")
    assert repr(Size.SMALL) == "<Size.SMALL: 1.5>"
    assert (str(Level.LOW), f"{Level.LOW:03d}", repr(Level.LOW)) == ("1", "001", "<Level.LOW: 1>")
    assert issubclass(StrEnum, ReprEnum) and issubclass(ReprEnum, enum.Enum)


def test_reprenum_needs_a_data_type():
    with pytest.raises(TypeError, match="ReprEnum subclasses must"):
        class Plain(ReprEnum):
            A = 1


def test_a_class_own_str_wins_over_reprenums():
    class Shouting(str, ReprEnum):
        HI = "hi"

        def __str__(self):
            return self.value.upper()

    # An empty format spec means str(); any other formats the string itself.
    assert (str(Shouting.HI), format(Shouting.HI), format(Shouting.HI, ">3")) == (
        "HI", "HI", " hi")


def test_enumtype_is_the_metaclass_of_enums():
    assert type(Color) is EnumType and isinstance(enum.Enum, EnumType)
    assert EnumType is enum.EnumMeta


def test_enum_names_in_dir():
    assert {"StrEnum", "ReprEnum", "EnumType"} <= set(dir(enum))


# -- functools -------------------------------------------------------------------


calls = []


@cache
def square(n):
    calls.append(n)
    return n * n


def test_cache_computes_each_argument_once():
    square.cache_clear()
    del calls[:]
    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]
    info = square.cache_info()
    assert (info.hits, info.misses, info.maxsize, info.currsize) == (1, 2, None, 2)
    assert square.cache_parameters() == {"maxsize": None, "typed": False}
    assert square.__wrapped__(5) == 25 and square.__name__ == "square"
    assert pickle.loads(pickle.dumps(square)) is square
    assert functools.cache is cache


def test_cache_takes_the_function_only():
    with pytest.raises(TypeError):
        cache()
    with pytest.raises(TypeError):
        cache(maxsize=3)


# -- behaviour 3.11 changed stays the interpreter's (see docs/differences.md) ----


UNCHANGED = """
import datetime, enum
class Number(enum.IntEnum):
    ONE = 1
class Perm(enum.IntFlag):
    R = 4
    W = 2
print(str(Number.ONE), format(Number.ONE), "%s" % Number.ONE, repr(Perm.R | Perm.W))
try:
    print(datetime.datetime.fromisoformat("2024-01-01T00:00:00Z"))
except ValueError as exc:
    print("ValueError", exc)
print(issubclass(enum.IntEnum, getattr(enum, "ReprEnum", ())))
"""


def test_behaviour_311_changed_is_the_interpreters_own():
    # Installing the package changes no call that code for this interpreter
    # makes: IntEnum's str(), flag reprs, fromisoformat() stay as they were.
    assert child(UNCHANGED) == child(UNCHANGED, TASKGROUP_PATCH="0")


# -- cost and switches -------------------------------------------------------------


@pytest.mark.parametrize("imports", ["import typing", "import enum", "import re",
                                     "import datetime", "import functools",
                                     "from typing import Any, List; from enum import Enum"])
@pytest.mark.parametrize("switch", [None, "1", "0"])
def test_importing_a_module_imports_nothing_of_the_package(imports, switch):
    lines = child(imports + "\nimport sys\n"
                  "print(sorted(m for m in sys.modules if m.startswith(('taskgroup_patch', "
                  "'typing_extensions'))))", TASKGROUP_PATCH=switch)
    assert lines == ["[]"]


def test_typing_extensions_is_imported_at_the_first_lookup_of_a_name():
    lines = child("""
        import sys, typing
        hasattr(typing, "NoSuchName")
        print("typing_extensions" in sys.modules)
        from typing import Self
        print("typing_extensions" in sys.modules, Self is sys.modules["typing_extensions"].Self
              if "typing_extensions" in sys.modules else Self.__module__)
        """)
    assert lines == ["False", "True True"] if PATCHED else ["False", "False typing"]


def test_typing_imported_before_the_pth_runs_still_gains():
    # virtualenv's _virtualenv.pth imports typing before taskgroup_patch.pth
    # runs (it sorts first): the start-up code gives typing its names at once.
    # Under -S, site.addsitedir() runs the .pth files when the program says.
    import sysconfig

    code = """
import sys, typing
import site
site.addsitedir(sys.argv[1])
print("taskgroup_patch" in sys.modules, "typing_extensions" in sys.modules)
print(hasattr(typing, "Self"))
"""
    result = run_python("-S", "-c", code, sysconfig.get_paths()["purelib"])
    assert (result.stdout, result.stderr) == ("False False\nTrue\n", "")


def test_switched_off_adds_nothing():
    lines = child("""
        import datetime, enum, typing, taskgroup_patch
        print(hasattr(typing, "Self"), hasattr(datetime, "UTC"), hasattr(enum, "StrEnum"))
        print(sorted(name for name in taskgroup_patch.installed()
                     if name.split(".")[0] in ("typing", "datetime", "enum", "functools")))
        """, TASKGROUP_PATCH="0")
    assert lines == ["%s %s %s" % ((NATIVE,) * 3), "[]"]


def test_installed_lists_the_added_names_before_first_use():
    lines = child("""
        import sys, taskgroup_patch
        added = taskgroup_patch.installed()
        print(added.get("typing.Self"), added.get("datetime.UTC"), added.get("enum.StrEnum"),
              added.get("functools.cache"))
        print(sorted(n for n in added if n.startswith("typing.")))
        print("typing_extensions" in sys.modules)
        """)
    if NATIVE:
        assert lines == ["None None None None", "[]", "False"]
    else:
        cache_from = "taskgroup_patch.backport.functools.cache" if ADDED_CACHE else None
        assert lines == ["typing_extensions.Self datetime.timezone.utc "
                         "taskgroup_patch.backport.enum.StrEnum %s" % cache_from,
                         str(sorted("typing." + name for name in ADDED)), "False"]


def test_install_gives_the_names_where_the_pth_did_not():
    lines = child("""
        import typing, taskgroup_patch
        before = hasattr(typing, "Self")
        taskgroup_patch.install()
        print(before, hasattr(typing, "Self"), "typing.Self" in taskgroup_patch.installed())
        """, TASKGROUP_PATCH="0")
    assert lines == (["False True True"] if PATCHED else ["True True False"])


def test_a_broken_typing_extensions_leaves_typing_as_it_is(tmp_path):
    (tmp_path / "typing_extensions.py").write_text("raise RuntimeError('broken on purpose')\n")
    result = run_python(code="""
        import typing
        print(hasattr(typing, "Self"), hasattr(typing, "NoSuchName"))
        """, env=clean_env(PYTHONPATH=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    if PATCHED:
        assert result.stdout == "False False\n"
        assert result.stderr == ("taskgroup_patch: typing.Self not provided: "
                                 "RuntimeError: broken on purpose\n")
    else:
        assert (result.stdout, result.stderr) == ("True False\n", "")
