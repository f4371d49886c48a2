"""What CPython 3.9-3.15 added to asyncio, and around it, for 3.8-3.10.

One module per CPython module it stands for (tasks, taskgroups, timeouts,
runners, locks...).  taskgroup_patch._patch puts their names into asyncio.
"""
