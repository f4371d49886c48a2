"""aiohttp: ClientTimeout (TimerContext, ceil_timeout) withdraws its cancellations.

aiohttp.helpers decides twice by ``sys.version_info``: which module
``ceil_timeout`` gets its deadline from (asyncio's ``timeout_at`` on 3.11+,
async-timeout's before), and whether ``TimerContext`` records the task's
``cancelling()`` on entry and takes its cancellation back on exit (raising
``TimeoutError`` only if no outside cancellation is pending).  Known shape
(checked: 3.10.11, the last release for 3.8, 3.11.18, 3.12.15, 3.13.5,
3.14.5): helpers compares with 3.11 in four places: the import of asyncio as
``async_timeout``, the unused ``PY_311``, ``TimerContext.__enter__`` and
``TimerContext.__exit__``.  Both methods are recompiled as on 3.11 (see
_rederive) and ``helpers.async_timeout`` becomes asyncio (the patched one),
as its 3.11 import does.  For a task of the interpreter's own type (see
_rederive), TimerContext's pre-3.11 methods run as before.

aiohttp's other version checks (a ``CancelledError`` re-raised while
``cancelling()`` in client_reqrep and web_protocol; the websocket modules'
own ``async_timeout`` import, served by the adapted async-timeout) are left
alone.
"""

import asyncio
import sys

from taskgroup_patch.adapters._rederive import (
    Unrecognised, module_source, replace_methods_as_on_311, version_checks_in,
)


def _entering_task(timer):
    return asyncio.current_task(loop=timer._loop)


def _exiting_task(timer):
    return timer._tasks[-1] if timer._tasks else None


_METHODS = (
    ("TimerContext", "__enter__", [">= (3, 11)"], _entering_task),
    ("TimerContext", "__exit__", [">= (3, 11)"], _exiting_task),
)


def adapt(module) -> str:
    source = module_source(module)
    checks = version_checks_in(source)
    if checks != 4 or "import asyncio as async_timeout" not in source:
        raise Unrecognised("%d comparisons with 3.11, expected 4" % checks)
    if module.__dict__.get("async_timeout") is not sys.modules.get("async_timeout"):
        raise Unrecognised("helpers.async_timeout is not the async_timeout module")
    how = replace_methods_as_on_311(module, _METHODS)
    module.async_timeout = asyncio
    return how + " recompiled as on 3.11; ceil_timeout uses asyncio.timeout_at"
