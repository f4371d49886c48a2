"""python -m taskgroup_patch --scan PATH...: what the code uses that this Python lacks.

A project checked as 3.11 code (mypy/pyright with a 3.11 target, ruff's
target-version) passes names that 3.8-3.10 do not have, and that crash
there unless this package provides them.  The scan closes that hole: it
reports every use of a module, name, keyword argument or syntax newer than
the running interpreter that the package does not provide here, with file
and line.

What is newer than what comes from vermin, a well-kept analyser of minimum
Python versions (``pip install 'taskgroup-patch[scan]'``).  What the package
provides comes from its own record, ``taskgroup_patch.installed()`` after
``install()``: a name it lists, an attribute of a class or function it lists
(its replacement is the newest), a keyword argument of a function it lists,
a module it lists.  except* is the package's too (3.11's syntax): files are
read with it, as the package compiles them.  Source that does not parse on
this interpreter is reported as such.  vermin's ``# novm`` comment silences
a line.
"""

import io
import os
import re
import sys
import tokenize

import taskgroup_patch

__all__ = ["scan", "main"]

NEEDS = "pip install 'taskgroup-patch[scan]'"

# vermin's "parsable" lines: path:line:column:py2:py3:what.
_QUOTED = re.compile(r"'([\w.]+)(?:\(\w+\))?'")


class Finding:
    """One use of something this interpreter lacks."""

    def __init__(self, path, line, what, version):
        self.path = path
        self.line = line
        self.what = what
        self.version = version  # (major, minor), or None if vermin cannot say

    def __str__(self):
        path = os.path.relpath(self.path)
        if path.startswith(os.pardir):
            path = self.path
        where = "%s:%s" % (path, self.line) if self.line else path
        if self.version is None:
            return "%s: %s" % (where, self.what)
        return "%s: %s requires Python %d.%d" % ((where, self.what) + self.version)


def _vermin():
    try:
        import vermin
        from vermin.formats import ParsableFormat
    except ImportError:
        return None
    config = vermin.Config()
    config.set_verbose(3)  # every use, each with its line
    config.set_format(ParsableFormat())
    return vermin, config


class _Provided:
    """Whether the package provides a name here, from installed() after install()."""

    def __init__(self):
        import _taskgroup_patch_startup as startup
        # What a plain run of this interpreter gets: nothing where the
        # package is off (3.11+ without TASKGROUP_PATCH=1, or =0).
        if startup.setting()[0]:
            taskgroup_patch.install()
            self.changes = taskgroup_patch.installed()
        else:
            self.changes = {}

    def __call__(self, name):
        for candidate in (name, "builtins." + name):
            if candidate in self.changes or "sys.modules[%r]" % candidate in self.changes:
                return True
            # An attribute of a replacement (asyncio.TaskGroup.cancel): the
            # replacement is the newest; a keyword argument of one likewise.
            owner = candidate.rpartition(".")[0]
            while owner:
                if owner in self.changes:
                    return _resolves(candidate)
                owner = owner.rpartition(".")[0]
        return False


def _resolves(dotted):
    module, _, path = dotted.partition(".")
    value = sys.modules.get(module)
    for attr in path.split("."):
        value = getattr(value, attr, None)
    return value is not None


def _read(path):
    with open(path, "rb") as file:
        data = file.read()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", "replace")


def _version(text):
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _parsable(line, path):
    """(line, py3 version, what) from one of vermin's parsable lines."""
    line_no, _, _, py3, what = line[len(path) + 1:].split(":", 4)
    return (int(line_no) if line_no else None), _version(py3), what


def scan_file(path, vermin, config, provided):
    """The findings in one file."""
    source = _read(path)
    if sys.version_info < (3, 11):
        from taskgroup_patch.exceptstar import transform
        if transform.uses_except_star(source):
            # Read as the package compiles it; the rest of the file as it is.
            source = transform.blank_stars(source)
    node, _, no_lines, error = vermin.Parser(source, path).detect(config)
    running = "Python %d.%d" % sys.version_info[:2]
    if node is None:
        line, version, what = _parsable(error, path)
        what = re.sub(r"^(info|error): ", "", what)
        if version is not None:
            what = "%s (Python %d.%d syntax)" % ((what,) + version)
        return [Finding(path, line, "does not parse on %s: %s" % (running, what), None)]
    visitor = vermin.SourceVisitor(config=config, path=path, source=source)
    visitor.set_no_lines(no_lines)
    visitor.tour(node)
    visitor.minimum_versions()
    findings = []
    for line in visitor.output_text().splitlines():
        if not line.startswith(path + ":"):
            continue
        line_no, version, what = _parsable(line, path)
        if version is None or version <= sys.version_info[:2]:
            continue
        name = _QUOTED.match(what)
        if name is not None and provided(name.group(1)):
            continue
        findings.append(Finding(path, line_no, what, version))
    return findings


def scan(paths):
    """The findings under *paths* (files or folders); ImportError without vermin."""
    tools = _vermin()
    if tools is None:
        raise ImportError("--scan needs vermin: " + NEEDS)
    vermin, config = tools
    provided = _Provided()
    files = vermin.detect_paths(list(paths), processes=1, config=config)
    findings = []
    for path in sorted(files):
        findings += scan_file(path, vermin, config, provided)
    return findings, len(files)


def main(paths):
    """Print the findings; return the exit status: 1 if any, 0 if none, 2 if it cannot scan."""
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        sys.stderr.write("python -m taskgroup_patch: error: no such file or folder: %s\n"
                         % missing[0])
        return 2
    try:
        findings, count = scan(paths)
    except ImportError as exc:
        sys.stderr.write("python -m taskgroup_patch: error: %s\n" % exc)
        return 2
    for finding in findings:
        print(finding)
    running = "Python %d.%d" % sys.version_info[:2]
    if findings:
        print("%d use(s) of what %s lacks and taskgroup_patch %s does not provide here "
              "(%d files scanned)" % (len(findings), running, taskgroup_patch.__version__,
                                      count))
        return 1
    print("nothing newer than %s that taskgroup_patch does not provide (%d files scanned)"
          % (running, count))
    return 0
