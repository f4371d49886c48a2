"""Libraries and tools that need to know about the patch, adapted on import.

Two kinds, each adapted right after its module's first import on 3.8-3.10
(taskgroup_patch._patch.ON_IMPORT): tools that must read except*
(taskgroup_patch.adapters.pytest), and, here, libraries that take back their
own cancellations only on Python 3.11+.

anyio, async-timeout and aiohttp cancel a task to enforce a deadline and
then withdraw that request with ``Task.uncancel()``, but they decide by
``sys.version_info`` whether to, so on 3.8-3.10 they never would, and the
patched task's ``cancelling()`` would stay raised.  Each module here knows
one library's code shapes and makes its 3.11+ path run; adapt() gets the
library's module named in ADAPTERS right after it is first executed.
Nothing here ever imports a library.

``TASKGROUP_PATCH_ADAPT=0`` (or off/false/no) leaves every library as it is,
while asyncio is still patched.  status() says what happened, for
``python -m taskgroup_patch --check``.
"""

import importlib
import os
import sys

from taskgroup_patch.adapters._rederive import Unrecognised

ENV_VAR = "TASKGROUP_PATCH_ADAPT"
_OFF = ("0", "off", "false", "no")

# Watched module -> (library, adapter module in this package).
ADAPTERS = {
    "anyio._backends._asyncio": ("anyio", "anyio"),
    "async_timeout": ("async-timeout", "async_timeout"),
    "aiohttp.helpers": ("aiohttp", "aiohttp"),
}

# Watched module -> what became of it: "adapted: ...", "left alone: ...".
_outcomes = {}


def adapt(module) -> None:
    """Adapt a just-imported library module of ADAPTERS, if it is one we know.

    An unrecognised shape is left alone, silently; status() reports it.
    """
    name = module.__name__
    if name not in ADAPTERS or name in _outcomes:
        return
    if os.environ.get(ENV_VAR, "").strip().lower() in _OFF:
        _outcomes[name] = "left alone: %s=%s" % (ENV_VAR, os.environ[ENV_VAR])
        return
    asyncio = sys.modules.get("asyncio")
    if asyncio is None or not hasattr(asyncio.Task, "uncancel"):
        _outcomes[name] = "left alone: asyncio is not patched"
        return
    try:
        adapter = importlib.import_module("taskgroup_patch.adapters." + ADAPTERS[name][1])
        how = adapter.adapt(module)
    except Unrecognised as exc:
        _outcomes[name] = "left alone: layout not recognised (%s)" % exc
    except BaseException as exc:
        # The start-up hook turns this into one warning line.
        _outcomes[name] = "left alone: adapter failed (%s: %s)" % (type(exc).__name__, exc)
        raise
    else:
        _outcomes[name] = "adapted: " + how


def _version(library, name):
    # The package's own __version__ first: it is the code that actually ran,
    # even where another copy is installed as the distribution.
    package = sys.modules.get(name.partition(".")[0])
    version = getattr(package, "__version__", None)
    if isinstance(version, str):
        return version
    # Asked only here: importlib.metadata costs milliseconds, adapt() nothing.
    from importlib import metadata

    try:
        return metadata.version(library)
    except Exception:  # not installed as a distribution, or broken metadata
        return "?"


def status() -> "list[str]":
    """Lines saying, per library, what was adapted in this process and how."""
    if sys.version_info >= (3, 11):
        return ["libraries: nothing to adapt on Python 3.11+ (they take back "
                "their cancellations themselves)"]
    lines = []
    for name, (library, _) in ADAPTERS.items():
        outcome = _outcomes.get(name)
        if outcome is None:
            outcome = ("not imported in this process" if name not in sys.modules
                       else "left alone: imported without passing the start-up hook"
                            " (the patch is off here, or a finder ahead of it loaded it)")
            lines.append("%s (%s): %s" % (library, name, outcome))
        else:
            lines.append("%s %s (%s): %s" % (library, _version(library, name), name, outcome))
    return lines
