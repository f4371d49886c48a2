"""Recompile a library's own code as it reads on Python 3.11.

The adapted libraries choose between two code paths with comparisons such
as ``sys.version_info >= (3, 11)``.  Rather than rewriting their 3.11+
branch in this package, we take the library's own source, replace each such
comparison with the value it has on 3.11, and compile the result with the
library's globals, its file name and its line numbers: tracebacks still
point into the library, and nothing of its code is copied here.

Only comparisons of ``sys.version_info`` with a literal ``(3, N)``, N <= 11,
are folded; later versions (3.12, 3.14, ...) compare the same on 3.8-3.10
as on 3.11 and are left to run time.  Each caller states the comparisons it
expects to find; any other shape raises Unrecognised and changes nothing.
"""

import __future__
import ast
import functools
import linecache
import operator
import types

_ON_311 = (3, 11)

_OPERATORS = {
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
}

# Every __future__ feature's compiler flag: a recompiled function keeps the
# ones its module was compiled with (anyio uses ``annotations``).
_FUTURE_FLAGS = 0
for _name in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _name).compiler_flag
del _name


class Unrecognised(Exception):
    """The library's code is not the shape an adapter was written for."""


def _version_compared(node):
    """Return (symbol, function, version) for ``sys.version_info OP (3, N)``."""
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    left, (right,) = node.left, node.comparators
    if not (isinstance(left, ast.Attribute) and left.attr == "version_info"
            and isinstance(left.value, ast.Name) and left.value.id == "sys"):
        return None
    if not (isinstance(right, ast.Tuple) and len(right.elts) == 2
            and all(isinstance(e, ast.Constant) and type(e.value) is int
                    for e in right.elts)):
        return None
    if type(node.ops[0]) not in _OPERATORS:
        return None
    symbol, compare = _OPERATORS[type(node.ops[0])]
    return symbol, compare, tuple(e.value for e in right.elts)


class _FoldVersionChecks(ast.NodeTransformer):
    """Replace each version comparison with its value on 3.11."""

    def __init__(self):
        self.found = []  # "OP (3, N)" for each comparison, in source order

    def visit_Compare(self, node):
        self.generic_visit(node)
        compared = _version_compared(node)
        if compared is None:
            return node
        symbol, compare, version = compared
        self.found.append("%s %s" % (symbol, version))
        if version > _ON_311:
            return node
        return ast.copy_location(ast.Constant(compare(_ON_311, version)), node)


def version_checks_in(source: str) -> int:
    """Count the places *source* compares with 3.11 (a cheap fingerprint)."""
    return source.count("version_info >= (3, 11)") + source.count("version_info < (3, 11)")


def _lines(filename, module_globals):
    # linecache rather than inspect.getsource*: those search sys.modules for
    # the module first, which costs milliseconds.
    lines = linecache.getlines(filename, module_globals)
    if not lines:
        raise Unrecognised("no source for %s" % filename)
    return lines


def module_source(module) -> str:
    """Return the source the module was executed from, or raise Unrecognised."""
    return "".join(_lines(getattr(module, "__file__", None) or "", module.__dict__))


def _parse_definition(lines, first):
    """Parse the def that starts on line *first* (1-based) of *lines*.

    The def ends before the next line, other than a blank or comment line,
    indented no deeper than its own first line; where that cut falls inside
    a string or a bracket, the text does not parse and the next cut is
    tried.  (tokenize would find the end at once, but compiling its regular
    expressions costs more than the rest of an adaptation.)
    """
    start = first - 1
    if start >= len(lines):
        raise Unrecognised("line %d is past the end of the source" % first)
    indent = len(lines[start]) - len(lines[start].lstrip())
    cut = start + 1
    while True:
        while cut < len(lines):
            text = lines[cut].strip()
            if text and not text.startswith("#") and \
                    len(lines[cut]) - len(lines[cut].lstrip()) <= indent:
                break
            cut += 1
        try:
            # Under an "if 1:", the indented def parses without dedenting.
            tree = ast.parse("if 1:\n" + "".join(lines[start:cut]))
        except SyntaxError:
            if cut >= len(lines):
                raise Unrecognised("cannot parse the def on line %d" % first) from None
            cut += 1
        else:
            return tree.body[0].body[0]


def _compile_def(definition, code, module_globals):
    """Compile a def as its module did; return the function it makes."""
    compiled = compile(ast.Module(body=[definition], type_ignores=[]), code.co_filename,
                       "exec", flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True)
    namespace = {}
    exec(compiled, module_globals, namespace)
    return namespace[definition.name]


def method_as_on_311(cls: type, name: str, expected: "list[str]"):
    """Return cls.<name> recompiled from its source as it reads on 3.11.

    *expected* lists the version comparisons the method must contain, in
    order, e.g. [">= (3, 11)"].  The method must be a plain function of the
    class (no decorator, no closure), and its source as found must compile,
    unchanged, to the very bytecode that runs: then the folded copy differs
    from the library's method in those comparisons only.
    """
    where = "%s.%s" % (cls.__qualname__, name)
    function = cls.__dict__.get(name)
    if not isinstance(function, types.FunctionType):
        raise Unrecognised("%s is not a plain function" % where)
    code = function.__code__
    if code.co_freevars:
        # super() or a closure: a recompiled copy could not share its cells.
        raise Unrecognised("%s uses a closure" % where)
    first = code.co_firstlineno
    definition = _parse_definition(_lines(code.co_filename, function.__globals__), first)
    if (not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef))
            or definition.name != name or definition.decorator_list):
        raise Unrecognised("%s is not a plain def in its source" % where)
    ast.increment_lineno(definition, first - 2)

    # The source must be what runs: same bytecode, same names.  A source
    # file edited since import, a cut in the wrong place, or a class-private
    # name (mangled only inside a class body) would show up here.
    as_found = _compile_def(definition, code, function.__globals__).__code__
    if (as_found.co_code, as_found.co_names) != (code.co_code, code.co_names):
        raise Unrecognised("%s: its source does not compile to the code that runs" % where)

    folder = _FoldVersionChecks()
    definition = folder.visit(definition)
    if folder.found != expected:
        raise Unrecognised("%s compares sys.version_info as %s, expected %s"
                           % (where, folder.found, expected))
    replacement = _compile_def(definition, code, function.__globals__)
    replacement.__qualname__ = function.__qualname__
    replacement.__doc__ = function.__doc__
    replacement.__dict__.update(function.__dict__)
    return replacement


def _bound_names(statements):
    """Names a block of top-level statements binds, or None if unsure."""
    names = set()
    for node in statements:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            names.update(t.id for t in node.targets)
        elif not isinstance(node, (ast.Pass, ast.Expr)):
            return None
    return names


def run_branch_as_on_311(module, expected_names: "set[str]") -> None:
    """Run the module's top-level ``if sys.version_info >= (3, 11):`` body.

    The module must have exactly one such block, binding exactly
    *expected_names* (checked before anything runs); the body then runs in
    the module's own namespace, as it would have on 3.11, and rebinds them.
    """
    source = module_source(module)
    tree = ast.parse(source, module.__file__)
    branches = []
    futures = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            futures.append(node)
        elif isinstance(node, ast.If):
            compared = _version_compared(node.test)
            if compared is not None and compared[0] == ">=" and compared[2] == _ON_311:
                branches.append(node)
    if len(branches) != 1:
        raise Unrecognised("%s has %d top-level 3.11 branches, expected 1"
                           % (module.__name__, len(branches)))
    body = branches[0].body
    bound = _bound_names(body)
    if bound != set(expected_names):
        raise Unrecognised("%s's 3.11 branch binds %s, expected %s"
                           % (module.__name__, sorted(bound or ()), sorted(expected_names)))
    # The module's own __future__ imports first, so the body compiles as it did.
    compiled = compile(ast.Module(body=futures + body, type_ignores=[]),
                       module.__file__, "exec", dont_inherit=True)
    exec(compiled, module.__dict__)


def _for_tasks_that_uncancel(original, as_on_311, task_of):
    """A method that runs *as_on_311* unless its task cannot uncancel().

    Tasks that asyncio did not create (a foreign task factory, uvloop
    imported before the patch) are the interpreter's own type, without
    cancelling()/uncancel(): there the library's own pre-3.11 code runs.
    *task_of(self)* names the task the method deals with; None means the
    patched kind.
    """
    def method(self, *args, **kwargs):
        task = task_of(self)
        if task is None or hasattr(task, "uncancel"):
            return as_on_311(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    functools.update_wrapper(method, original)
    return method


def replace_methods_as_on_311(module, methods) -> str:
    """Recompile each (class name, method name, expected checks, task_of).

    Each method of *module* is replaced with one that runs its 3.11 form
    for the task *task_of(self)* returns (see _for_tasks_that_uncancel).
    All are recompiled before any is installed, so an unrecognised one
    leaves the module untouched.  Returns what was replaced, for status().
    """
    replacements = []
    for class_name, name, expected, task_of in methods:
        cls = module.__dict__.get(class_name)
        if not isinstance(cls, type):
            raise Unrecognised("%s has no class %s" % (module.__name__, class_name))
        original = cls.__dict__.get(name)
        as_on_311 = method_as_on_311(cls, name, expected)
        replacements.append((cls, name, _for_tasks_that_uncancel(original, as_on_311, task_of)))
    for cls, name, replacement in replacements:
        setattr(cls, name, replacement)
    return ", ".join("%s.%s" % (cls.__name__, name) for cls, name, _ in replacements)
