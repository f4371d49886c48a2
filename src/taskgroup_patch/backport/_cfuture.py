"""asyncio.Future[int] and Task[int] (PEP 585, 3.9) on 3.8, where Future is a C type.

Code of 3.9+ subscripts them at run time, in annotations evaluated when a
module is imported.  The futures and tasks asyncio makes must keep their
types, so nothing replaces the class: its dictionary gains a
``__class_getitem__``, which the C task, ours and gather's future inherit.
The aliases are those 3.8's typing makes for its own generics.

A built-in type refuses new attributes: taskgroup_patch._patch writes into
its own dictionary, and records the change (and undoes it) like any other.
"""

import typing

# What Future.__class_getitem__ is: Future[int] is typing._GenericAlias(Future, int).
class_getitem = classmethod(typing._GenericAlias)
