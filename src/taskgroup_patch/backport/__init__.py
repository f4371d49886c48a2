"""What CPython 3.9-3.15 added to asyncio, and around it, for 3.8-3.10.

One module per CPython module it stands for (tasks, taskgroups, timeouts,
runners, locks, events, base_events, streams...).  taskgroup_patch._patch puts
their names into asyncio.

Members of asyncio's classes (``loop.sock_sendto``, ``Server.close_clients``,
``StreamWriter.start_tls``...) are defined here in a class of the same name as
the one they go to, in the module named like that class's; _patch puts a
``LazyMember`` in each one's place, so that a module is imported only when a
program first looks one of its members up.
"""

import importlib


class LazyMember:
    """Holds a class member's place until it is first looked up.

    The first lookup, through the class or an instance, imports the backport
    module that defines the member (in its class of the same name as *owner*),
    puts the member in this stand-in's place and answers as the member does.
    """

    # Every asyncio import makes a few dozen of these: small and quick.
    __slots__ = ("owner", "name", "module", "replaced")

    def __init__(self, owner, name, module, replaced):
        self.owner = owner
        self.name = name
        self.module = module
        self.replaced = replaced  # what the owner had under this name, or None

    def __get__(self, instance, owner=None):
        backport = importlib.import_module(self.module)
        member = vars(getattr(backport, self.owner.__name__))[self.name]
        # Unless the owner was restored (or the member mocked) meanwhile.
        if vars(self.owner).get(self.name) is self:
            setattr(self.owner, self.name, member)
        get = getattr(type(member), "__get__", None)
        return member if get is None else get(member, instance, owner)

    def dotted_name(self):
        """The member's full name, as "package.module.Class.name"."""
        return "%s.%s.%s" % (self.module, self.owner.__name__, self.name)

    def __repr__(self):
        return "<%s %s until first used>" % (type(self).__name__, self.dotted_name())


def interpreters(cls, name):
    """Return *cls*'s own member *name* as this interpreter defines it.

    For the backport's members that extend the interpreter's own: a
    LazyMember may hold the place, and keeps what it stands in front of.
    """
    member = vars(cls)[name]
    return member.replaced if type(member) is LazyMember else member
