"""Start-up hook: arm a finder that patches asyncio when it is first imported.

taskgroup_patch.pth imports this module at every interpreter start, so it uses
only modules that site.py has already loaded (sys, os) and does no work beyond
reading one environment variable and inserting one finder.  Everything heavy
happens in taskgroup_patch._patch, and only once asyncio itself is imported.

Nothing here may stop the interpreter from starting or make ``import asyncio``
fail: site.py lets SystemExit and KeyboardInterrupt through, so every entry
point catches BaseException and degrades to one warning line.
"""

import os
import sys

ENV_VAR = "TASKGROUP_PATCH"
_ON = ("1", "on", "true", "yes")
_OFF = ("0", "off", "false", "no")


def _warn(message):
    # sys.stderr is None under pythonw and for some daemons.
    if sys.stderr is not None:
        try:
            sys.stderr.write("taskgroup_patch: %s\n" % message)
        except BaseException:
            pass


def enabled(warn=True):
    """Say whether TASKGROUP_PATCH asks for patching in this process."""
    value = os.environ.get(ENV_VAR)
    if value is not None:
        word = value.strip().lower()
        if word in _ON:
            return True
        if word in _OFF:
            return False
        if word and warn:
            _warn("ignoring %s=%r (expected one of %s or %s)"
                  % (ENV_VAR, value, "/".join(_ON), "/".join(_OFF)))
    return sys.version_info < (3, 11)


def patch_now():
    """Patch asyncio, or warn once and leave it as it is."""
    try:
        from taskgroup_patch import _patch
        _patch.install()
    except BaseException as exc:
        _warn("asyncio left unpatched: %s: %s" % (type(exc).__name__, exc))


class _PatchingLoader:
    """Runs asyncio's own loader, then patches the freshly executed module."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        # Leave no trace of ourselves in the module's import metadata.
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        patch_now()


class AsyncioFinder:
    """Meta-path finder that only ever answers for the name 'asyncio'."""

    def find_spec(self, name, path=None, target=None):
        if name != "asyncio":
            return None
        # The import machinery holds asyncio's module lock while it asks us,
        # so only one thread at a time gets here.  Replace sys.meta_path
        # instead of mutating it: another thread may be iterating it.
        meta_path = sys.meta_path
        later = meta_path[meta_path.index(self) + 1:] if self in meta_path else meta_path
        sys.meta_path = [f for f in meta_path if f is not self]
        try:
            for finder in later:
                find_spec = getattr(finder, "find_spec", None)
                if find_spec is None:
                    continue
                spec = find_spec(name, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = _PatchingLoader(spec.loader)
                    return spec
        except BaseException as exc:
            _warn("asyncio import hook failed: %s: %s" % (type(exc).__name__, exc))
        # Let the normal machinery find asyncio (unpatched) on its own.
        return None


def _arm():
    if "asyncio" in sys.modules:
        patch_now()
    elif not any(isinstance(f, AsyncioFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AsyncioFinder())


try:
    if enabled():
        _arm()
except BaseException as exc:
    _warn("start-up hook failed: %s: %s" % (type(exc).__name__, exc))
