"""async-timeout: timeout() and timeout_at() take back their cancellation.

On 3.11+ async-timeout uses asyncio's own machinery; before, it cancels the
task and never withdraws the request.  Its module has one top-level
``if sys.version_info >= (3, 11):`` block, and that block is run in the
module as 3.11 would have (see _rederive), rebinding:

- async-timeout 5.x (checked: 5.0.1): ``Timeout``, a subclass of
  ``asyncio.Timeout`` (the patch's on 3.8-3.10), with the ``_Expired`` helper:
  the deadline compares ``cancelling()`` with its value at entry, so an
  outside cancellation that coincides with the deadline stays a
  ``CancelledError``, as on 3.11+.  ``timeout()``/``timeout_at()`` look the
  class up when called, and so return the new one.
- async-timeout 4.0.x (checked: 4.0.3): ``_uncancel_task``, which calls
  ``task.uncancel()`` when the deadline's ``CancelledError`` becomes
  ``TimeoutError`` (this release always raises ``TimeoutError`` then).
"""

from taskgroup_patch.adapters._rederive import (
    Unrecognised, module_source, run_branch_as_on_311, version_checks_in,
)

# (version prefix, names the 3.11 branch binds, what that changes)
_SHAPES = (
    ("5.", {"_Expired", "Timeout"}, "Timeout is the 3.11 subclass of asyncio.Timeout"),
    ("4.0.", {"_uncancel_task"}, "_uncancel_task withdraws the deadline's cancel request"),
)


def adapt(module) -> str:
    version = getattr(module, "__version__", "")
    checks = version_checks_in(module_source(module))
    for prefix, names, how in _SHAPES:
        if version.startswith(prefix) and checks == 1:
            run_branch_as_on_311(module, names)
            return how
    raise Unrecognised("version %r with %d comparisons with 3.11" % (version, checks))
