"""asyncio.Future[int] and Task[int] (PEP 585, 3.9) on 3.8, where Future is a C type.

Code of 3.9+ subscripts them at run time, in annotations evaluated when a
module is imported.  The futures and tasks asyncio makes must keep their
types, so nothing replaces the class: its dictionary gains a
``__class_getitem__``, which the C task, ours and gather's future inherit.
The aliases are those 3.8's typing makes for its own generics.

A built-in type refuses new attributes; on this fixed interpreter we write
into the dictionary its read-only ``__dict__`` proxy wraps, then tell the
interpreter, which caches attribute lookups per type, that the type changed.
taskgroup_patch._patch records the change (and undoes it) like any other.
"""

import gc
import typing

# What Future.__class_getitem__ is: Future[int] is typing._GenericAlias(Future, int).
class_getitem = classmethod(typing._GenericAlias)


def type_dict(cls):
    """Return the dictionary of the built-in type *cls* itself, writable."""
    namespace, = gc.get_referents(cls.__dict__)
    return namespace


def type_modified(cls):
    """Drop what the interpreter caches of *cls* and its subclasses (PyType_Modified)."""
    # The setter of __abstractmethods__ calls PyType_Modified(cls) and, unlike
    # setattr(), does not refuse built-in types.  Setting the name then
    # deleting it leaves the dictionary as it was: cls must not be abstract.
    assert "__abstractmethods__" not in cls.__dict__
    abstract = type.__dict__["__abstractmethods__"]
    abstract.__set__(cls, frozenset())
    abstract.__delete__(cls)
