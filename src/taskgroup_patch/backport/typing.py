"""What CPython 3.9-3.13 added to typing, as typing_extensions has it.

typing_extensions is maintained by CPython's typing developers and gives
each of these names the runtime behaviour that type checkers, pydantic and
the like expect on older interpreters.  typing gets the very same objects
(``typing.Self is typing_extensions.Self``), so code that mixes the two
spellings compares equal, and typing_extensions is imported only when a
program first looks one of them up.  Names typing already has stay the
interpreter's.
"""

import sys

# The library whose objects these names are.
SOURCE = "typing_extensions"

# The names each version added to typing; typing_extensions has all of
# them from 4.12 on (NoDefault is the newest).
_ADDED = (
    ((3, 9), ("Annotated",)),
    ((3, 10), ("Concatenate", "ParamSpec", "ParamSpecArgs", "ParamSpecKwargs", "TypeAlias",
               "TypeGuard", "is_typeddict")),
    ((3, 11), ("LiteralString", "Never", "NotRequired", "Required", "Self", "TypeVarTuple",
               "Unpack", "assert_never", "assert_type", "clear_overloads",
               "dataclass_transform", "get_overloads", "reveal_type")),
    ((3, 12), ("TypeAliasType", "override")),
    ((3, 13), ("NoDefault", "ReadOnly", "TypeIs", "get_protocol_members", "is_protocol")),
)

# Those this interpreter's typing lacks.
GAINED = tuple(name for version, names in _ADDED if sys.version_info < version
               for name in names)
