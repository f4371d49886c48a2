"""What 3.11 added to the built-in exceptions, for 3.8-3.10.

* ``BaseException.add_note()`` (PEP 678).  BaseException is a C type that
  refuses new attributes: taskgroup_patch._patch writes the function into
  its type dictionary, where subclasses find it.
* ``ExceptionGroup`` and ``BaseExceptionGroup`` are the exceptiongroup
  backport's classes, made to look like the builtins they are on 3.11+: their
  __module__ is "builtins" (tracebacks say ``ExceptionGroup: ...``, pickles
  name ``builtins.ExceptionGroup``, which loads on 3.11+ too), their repr is
  BaseException's (it shows the arguments as given), and their parts copy
  __notes__ by 3.13's rule (a sequence is copied into a list; anything else is
  left out).

taskgroup_patch._patch applies these, on 3.8-3.10, when exceptiongroup is
first imported (patching asyncio imports it).
"""


import exceptiongroup

__all__ = ("add_note",)

BaseExceptionGroup = exceptiongroup.BaseExceptionGroup

_MISSING = object()


def add_note(self, note, /):
    """Add a note to the exception, to be shown after its message in tracebacks."""
    if not isinstance(note, str):
        raise TypeError("note must be a str, not %r" % type(note).__name__)
    try:
        notes = self.__notes__
    except AttributeError:
        notes = _MISSING
    if notes is _MISSING:
        notes = []
        self.__notes__ = notes
    elif not isinstance(notes, list):
        raise TypeError("Cannot add note: __notes__ is not a list")
    list.append(notes, note)


add_note.__qualname__ = "BaseException.add_note"


def copy_group_attributes(group, part):
    """Give *part*, made by group.derive(), group's traceback, cause, context
    and notes, as 3.13's split() and subgroup() do."""
    tb = group.__traceback__
    if tb is not None:
        part.__traceback__ = tb
    part.__context__ = group.__context__
    part.__cause__ = group.__cause__
    try:
        notes = group.__notes__
    except AttributeError:
        return
    if is_sequence(notes):
        # A list of its own: a note added to one part stays in that part.
        part.__notes__ = list(notes)


def is_sequence(obj):
    """Whether *obj* passes the C API's PySequence_Check()."""
    cls = type(obj)
    return hasattr(cls, "__getitem__") and not issubclass(cls, dict)


def derive_and_copy_attributes(group, excs):
    """What exceptiongroup's split() and subgroup() call for each part."""
    part = group.derive(excs)
    if not isinstance(part, BaseExceptionGroup):
        raise TypeError("derive must return an instance of BaseExceptionGroup")
    copy_group_attributes(group, part)
    return part
