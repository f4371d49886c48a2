"""Where code written with except* gets compiled on 3.8-3.10.

The start-up module routes here only sources that may use except*:

* the import system's SourceLoader.source_to_code, which importlib calls
  only when there is no fresh .pyc;
* sys.excepthook, for `python script.py`: the interpreter compiles the main
  script in C before any hook and reports its SyntaxError there, where the
  script can still be compiled and run as __main__;
* compile(), for the code that compiles strings itself, when opted in.

(pytest's test files go through taskgroup_patch.adapters.pytest.)
taskgroup_patch.exceptstar.transform does the compiling.  Transformed code
is cached in a file of its own next to the standard .pyc, never in the
standard .pyc itself: a plain interpreter (after `pip uninstall`, or in
another environment sharing __pycache__) must still read the source and
report its own SyntaxError.
"""

import builtins
import io
import marshal
import os
import sys
from importlib import _bootstrap_external

import _imp

import taskgroup_patch

__all__ = ["compile", "cached_code", "source_to_code", "run_main_script", "install_compile",
           "may_use_except_star", "COMPILE_VAR"]

COMPILE_VAR = "TASKGROUP_PATCH_COMPILE"
_builtin_compile = builtins.compile

# The cache file: this header, then the marshalled code.  The header holds
# what the code depends on besides the source, and the source's mtime and size.
_CACHE_MAGIC = b"tgp\x01"
_HEADER_SIZE = len(_CACHE_MAGIC) + 8 + 8 + 8
_CACHE_SUFFIX = ".taskgroup-patch.pyc"


def may_use_except_star(source):
    """Say whether *source* may use except*: never False when it does."""
    if isinstance(source, str):
        source = source.encode("utf-8", "surrogatepass")
    elif not isinstance(source, (bytes, bytearray)):
        return False  # an AST, or a buffer: compiled as given
    # Without what may separate them (blanks, a backslash and a newline),
    # except and * meet: one pass in C, false positives only.
    return b"except*" in source.translate(None, b" \t\f\\\r\n")


def _parse(source, filename, mode="exec", flags=0):
    """ast.parse() for source that may use except*: (tree, whether it did)."""
    # Imported only to compile: a module read from the cache does not need them.
    import ast
    from taskgroup_patch.exceptstar import transform
    tree = transform.parse(source, filename, mode, flags=flags)
    runtime = transform._RUNTIME_MODULE
    transformed = isinstance(tree.body, list) and any(
        isinstance(node, ast.Import) and node.names[0].name == runtime for node in tree.body)
    # Not for a false alarm (except* in a string): that source may be
    # exceptiongroup's own, being imported.
    if transformed:
        _provide_builtins()
    return tree, transformed


def _compile(source, filename, mode="exec", flags=0, optimize=-1):
    """Compile source that may use except*: (code, whether it did).

    No flags are inherited.  A false alarm compiles as the interpreter
    compiles it, so that its code may go to the standard .pyc.
    """
    tree, transformed = _parse(source, filename, mode)
    # The interpreter's compile(): builtins.compile may be this module's.
    code = _builtin_compile(tree if transformed else source, filename, mode, flags, True,
                            optimize)
    return code, transformed


def _provide_builtins():
    # 3.11 code names the groups as builtins.  The patch puts them there when
    # asyncio is imported, and code using except* need not import asyncio.
    if not hasattr(builtins, "BaseExceptionGroup"):
        import exceptiongroup
        builtins.BaseExceptionGroup = exceptiongroup.BaseExceptionGroup
        builtins.ExceptionGroup = exceptiongroup.ExceptionGroup


def _build_key():
    """What transformed code depends on besides its source, as 8 bytes."""
    parts = [taskgroup_patch.__version__, _bootstrap_external.MAGIC_NUMBER]
    here = os.path.dirname(__file__)
    for name in ("transform.py", "runtime.py"):
        try:
            stat = os.stat(os.path.join(here, name))
        except OSError:
            continue
        parts += [name, stat.st_mtime_ns, stat.st_size]
    return _imp.source_hash(_bootstrap_external._RAW_MAGIC_NUMBER, repr(parts).encode())


_KEY = _build_key()


def _header(path, optimize):
    """The header a cache file of *path* must have, or None if it cannot have one."""
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    level = sys.flags.optimize if optimize == -1 else optimize
    # As a .pyc is checked: against the source's mtime and size.
    return (_CACHE_MAGIC + _imp.source_hash(level, _KEY)
            + stat.st_mtime_ns.to_bytes(8, "little") + stat.st_size.to_bytes(8, "little"))


def _cache_path(source_path):
    """The cache file for a module's source, or None where it has none."""
    try:
        standard = _bootstrap_external.cache_from_source(source_path)
    except (NotImplementedError, ValueError, TypeError):
        return None
    return standard[:-len(".pyc")] + _CACHE_SUFFIX


# source path -> (cache path, header), or None if the cache is fresh: the
# code this module returned, which SourceLoader.get_code is about to write
# to the standard .pyc.
_unwritten = {}
# id -> code read from a cache file, until get_code marshals it for the
# standard .pyc (which then is not written).
_from_cache = {}


def cached_code(path, optimize=-1, size=None):
    """The code of a module's source from its fresh cache file, or None.

    size: that of the source the caller read, which must be the file's.
    """
    cache = _cache_path(path)
    header = cache and _header(path, optimize)
    if not header or (size is not None and int.from_bytes(header[-8:], "little") != size):
        return None
    try:
        with io.open_code(cache) as file:
            cached = file.read()
    except OSError:
        return None
    if cached[:_HEADER_SIZE] != header:
        return None
    try:
        code = marshal.loads(memoryview(cached)[_HEADER_SIZE:])
    except (EOFError, ValueError, TypeError):
        return None
    _provide_builtins()
    # Moved with its directory: point it at the source, as importlib does
    # for a .pyc.
    _imp._fix_co_filename(code, path)
    if not sys.dont_write_bytecode:  # else get_code neither marshals nor writes
        _unwritten[path] = None
        _from_cache[id(code)] = code
    return code


def source_to_code(data, path, optimize=-1):
    """Code for a module's source that may use except*: from the cache if fresh."""
    code = cached_code(path, optimize, len(data))
    if code is not None:
        return code
    code, transformed = _compile(data, path, optimize=optimize)
    if not transformed:
        return code
    cache = _cache_path(path)
    header = cache and _header(path, optimize)
    # The file may have changed since it was read: then it is not cached.
    if (header and int.from_bytes(header[-8:], "little") == len(data)
            and not sys.dont_write_bytecode):
        _unwritten[path] = (cache, header)
    return code


def _redirect_cache_writes(loader_class):
    """Make loader_class write transformed code to its own cache file."""
    plain = loader_class.__dict__["_cache_bytecode"]

    def _cache_bytecode(self, source_path, bytecode_path, data):
        if source_path not in _unwritten:
            return plain(self, source_path, bytecode_path, data)
        entry = _unwritten.pop(source_path)
        if entry is None:
            return None
        cache, header = entry
        # The standard header (16 bytes) is that of a .pyc; ours replaces it.
        return plain(self, source_path, cache, header + data[16:])

    loader_class._cache_bytecode = _cache_bytecode


def _skip_marshalling(name):
    """Make _bootstrap_external.<name> not marshal code read from the cache."""
    plain = getattr(_bootstrap_external, name)

    def code_to_pyc(code, *args):
        if _from_cache.pop(id(code), None) is code:
            return bytearray()  # not written: see _redirect_cache_writes
        return plain(code, *args)

    setattr(_bootstrap_external, name, code_to_pyc)


# SourceLoader.get_code marshals and writes the code of every module it had
# to get from source_to_code; both happen only then, so that these cost
# nothing to an import from a fresh .pyc.
_redirect_cache_writes(_bootstrap_external.SourceLoader)
_redirect_cache_writes(_bootstrap_external.SourceFileLoader)
_skip_marshalling("_code_to_timestamp_pyc")
_skip_marshalling("_code_to_hash_pyc")


def _future_flags(frame):
    import __future__
    mask = 0
    for name in __future__.all_feature_names:
        mask |= getattr(__future__, name).compiler_flag
    return frame.f_code.co_flags & mask


def compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, *,
            _feature_version=-1):
    """The builtin compile(), for source that may use except* too.

    It takes what the builtin takes, and gives what it gives for any source
    without except*.  ASTs (ast.parse, PyCF_ONLY_AST) are the interpreter's:
    they have no except* on 3.8-3.10.
    """
    if not dont_inherit:
        # The builtin inherits the __future__ imports of the code calling it.
        flags |= _future_flags(sys._getframe(1))
    try:
        if (flags & 0x400 or _feature_version != -1  # ast.PyCF_ONLY_AST
                or not isinstance(source, (str, bytes, bytearray))
                or not may_use_except_star(source)):
            return _builtin_compile(source, filename, mode, flags, True, optimize,
                                    _feature_version=_feature_version)
        return _compile(source, filename, mode, flags, optimize)[0]
    except SyntaxError as exc:
        # As the builtin reports it: from the caller's line.
        raise exc.with_traceback(None)


def install_compile():
    """Make builtins.compile this module's compile(); idempotent.

    importlib keeps the interpreter's: py_compile (compileall, pip's byte-
    compiling) writes the standard .pyc through it, which must never hold
    transformed code.  Imports of except* modules do not need it: they go
    through the start-up module's source_to_code and this module's cache.
    """
    _bootstrap_external.compile = _builtin_compile
    builtins.compile = compile


def run_main_script(exc_type, exc, tb):
    """sys.excepthook: run the main script if it failed to compile for except*.

    The interpreter calls it (PyErr_Print) on any error it does not
    handle.  Only the SyntaxError of compiling __main__'s file, before any of
    it ran, is taken; the script then runs in the real __main__, and ends as
    a normal run would: its SystemExit passes through, an exception is
    reported through sys.excepthook as then installed, and a normal end
    leaves with status 0 (SystemExit from an excepthook is honoured).
    """
    # The interpreter's hook goes back first: exceptiongroup installs its own
    # only if it finds that one when the script imports it.
    if sys.excepthook is run_main_script:
        sys.excepthook = sys.__excepthook__
    main = sys.modules.get("__main__")
    filename = getattr(main, "__file__", None)
    if not (isinstance(exc, SyntaxError) and tb is None and filename is not None
            and exc.filename == filename):
        return sys.__excepthook__(exc_type, exc, tb)
    try:
        with io.open_code(filename) as file:
            source = file.read()
        code = _compile(source, filename)[0]
    except OSError:
        return sys.__excepthook__(exc_type, exc, tb)
    except SyntaxError as error:
        # A misuse of except*, or an error of its own: reported as compiling
        # the script reports it.
        error.__traceback__ = None
        sys.last_type, sys.last_value, sys.last_traceback = SyntaxError, error, None
        return sys.__excepthook__(type(error), error, None)
    # A normal run has not failed so far.
    for name in ("last_type", "last_value", "last_traceback"):
        sys.__dict__.pop(name, None)
    try:
        # With no frame of ours under the script's, as the interpreter runs it.
        from taskgroup_patch import _toplevel
        _toplevel.call_at_top(exec, code, main.__dict__)
    except SystemExit:
        raise
    except BaseException as error:
        _report(error)
        return
    if not sys.flags.inspect:
        # As after a normal run, whose end removes these before finalizing.
        main.__dict__.pop("__file__", None)
        main.__dict__.pop("__cached__", None)
        raise SystemExit(0)


def _report(error):
    """Report an error that ended the main script, as the interpreter does."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_globals.get("__name__", "").startswith(
            "taskgroup_patch."):
        tb = tb.tb_next  # the script's own frames only
    error.__traceback__ = tb
    sys.last_type, sys.last_value, sys.last_traceback = type(error), error, tb
    if isinstance(error, KeyboardInterrupt):
        # The interpreter then exits by SIGINT, once finalized.
        try:
            import ctypes
            ctypes.c_int.in_dll(ctypes.pythonapi, "_Py_UnhandledKeyboardInterrupt").value = 1
        except (ImportError, ValueError):
            pass
    try:
        sys.excepthook(type(error), error, tb)
    except SystemExit:
        raise
    except BaseException as hook_error:
        sys.stderr.write("Error in sys.excepthook:\n")
        sys.__excepthook__(type(hook_error), hook_error, hook_error.__traceback__)
        sys.stderr.write("\nOriginal exception was:\n")
        sys.__excepthook__(type(error), error, tb)
