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


def interpreters(cls, name):
    """Return *cls*'s own member *name* as this interpreter defines it.

    For the backport's members that extend the interpreter's own: a
    LazyMember may hold the place, and keeps what it stands in front of.
    """
    from taskgroup_patch._patch import LazyMember

    member = vars(cls)[name]
    return member.replaced if type(member) is LazyMember else member
