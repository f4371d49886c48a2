"""What CPython 3.11 added to enum that code imports: StrEnum, ReprEnum, EnumType.

3.11 changed the str() and format() of IntEnum and IntFlag members and the
reprs of flags; those stay as the interpreter has them (programs written for
it may depend on them), so IntEnum and IntFlag are not ReprEnums here.
"""

import sys
from enum import Enum, EnumMeta

GAINED = ("StrEnum", "ReprEnum", "EnumType") if sys.version_info < (3, 11) else ()

# 3.11's name for the metaclass of enums; EnumMeta stays, as an alias.
EnumType = EnumMeta


class ReprEnum(Enum):
    """An enum whose repr() is the enum's, and str() and format() its data type's.

    Subclasses must mix in a data type: class Size(float, ReprEnum).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Checked where 3.11 checks it: for the classes that name ReprEnum
        # as a base.
        if ReprEnum in cls.__bases__ and _data_type(cls) is object:
            raise TypeError("ReprEnum subclasses must mix in a data type "
                            "(int, str, float...), as in class %s(int, ReprEnum)"
                            % cls.__name__)

    # The interpreter's enum machinery gives each enum class the first enum
    # base's __str__ and __format__ unless the class defines its own: these
    # hand both to the data type.
    def __str__(self):
        data_type = self._member_type_
        if data_type.__str__ is object.__str__:
            # int and float have no __str__ of their own: object's would call
            # the enum's repr().
            return data_type.__repr__(self)
        return data_type.__str__(self)

    def __format__(self, format_spec):
        return self._member_type_.__format__(self, format_spec)


def _data_type(enum_class):
    # The first base that makes the members' values: a non-enum type with
    # its own __new__ (int, str, a subclass of either...).
    for base in enum_class.__mro__[1:]:
        if base is not object and not issubclass(base, Enum) and "__new__" in base.__dict__:
            return base
    return object


class StrEnum(str, ReprEnum):
    """An enum whose members are strings: str() and format() give the value.

    auto() gives the member's name in lower case.
    """

    # Defined here, not inherited: the enum machinery keeps what a class
    # defines, and 3.11's StrEnum has str's own methods.
    __str__ = str.__str__
    __format__ = str.__format__

    def __new__(cls, *values):
        # str()'s arguments: a string, or bytes with an encoding and errors
        # (which must be strings).  StrEnum converts nothing else to str.
        if len(values) > 3:
            raise TypeError("too many arguments for str(): %r" % (values,))
        if len(values) == 1 and not isinstance(values[0], str):
            raise TypeError("%r is not a string" % (values[0],))
        if len(values) > 1 and not isinstance(values[1], str):
            raise TypeError("encoding must be a string, not %r" % (values[1],))
        if len(values) > 2 and not isinstance(values[2], str):
            raise TypeError("errors must be a string, not %r" % (values[2],))
        value = str(*values)
        member = str.__new__(cls, value)
        member._value_ = value
        return member

    @staticmethod
    def _generate_next_value_(name, start, count, last_values):
        return name.lower()
