"""Reading a Terraform file: its module blocks, and their input values resolved within the file.

Parsing is python-hcl2's: its lark parse tree (``hcl2.parses_to_tree``, imported only when a file is
read, so ``--help`` stays fast) keeps the line and offset of every token, so each value and each
reference is reported at its own line, and quoted as written.

Resolution is deliberately small, because migrate never guesses a value: literals, quoted strings
with ``${...}`` interpolation, lists and objects, ``local.*`` (locals may span several ``locals``
blocks and refer to each other) and ``path.module`` / ``path.root`` / ``path.cwd`` (the file's own
folder: ``.`` as Terraform gives it for a root module, which is where ``terraform`` runs). Everything else (``var.*``, module outputs,
resources, data sources, function calls, operators, conditionals, ``for`` expressions, template
directives) is unresolved, with its line and what to do.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import BlueprintError, Location, Problem

PATH_ATTRIBUTES = ("module", "root", "cwd")  # all three are the file's folder for a root module
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_SKIPPED = ("new_line_or_comment",)  # layout rules inside expressions


@dataclass(frozen=True)
class Unresolved:
    """One value that cannot be known from the file: where, as written, and what to do."""

    line: int
    text: str
    reason: str
    via: tuple[str, ...] = ()  # the locals it was reached through, outermost first
    code: str = "MLD602"
    at: str = ""  # JSON pointer of the unresolved part, relative to the value being resolved


@dataclass
class Resolved:
    """The result of resolving an expression: its value, where each part was written, problems.

    ``lines`` maps JSON pointers relative to the value ("" is the value itself) to source lines,
    so that a later problem found at ``/environment/aws_region`` is reported at that line.
    """

    value: object = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Unresolved] = field(default_factory=list)


@dataclass(frozen=True)
class Attribute:
    """``name = expression`` in a block, with its line."""

    name: str
    line: int
    expression: object  # a lark Tree


@dataclass(frozen=True)
class ModuleBlock:
    """A ``module "label" { ... }`` block: its source address and its inputs, in file order."""

    label: str
    line: int
    source: str | None  # None when the source is not a plain quoted string
    attributes: tuple[Attribute, ...]
    blocks: tuple[tuple[str, int], ...]  # nested blocks (type, line): no module input is a block


def pointer_part(key) -> str:
    """One JSON pointer step (RFC 6901 escaping)."""
    return "/" + str(key).replace("~", "~0").replace("/", "~1")


class TerraformFile:
    """A parsed .tf file: its module blocks and a resolver for the values written in it."""

    def __init__(self, path: Path, text: str, tree):
        self.path = path
        self.file = str(path)
        self.folder = os.path.dirname(os.path.abspath(path))
        self.text = text
        self.modules: list[ModuleBlock] = []
        self._locals: dict[str, Attribute] = {}
        self._memo: dict[str, Resolved] = {}
        self._resolving: list[str] = []
        problems: list[Problem] = []
        for item in _body_items(tree.children[0]):
            if item.data != "block":
                continue
            kind, labels, body = _block_parts(item, self)
            if kind == "locals":  # every locals block adds to one namespace
                _attributes(body, problems, self.file, "locals", self._locals)
            elif kind == "module" and len(labels) == 1:
                self.modules.append(self._module(labels[0], item, body, problems))
        if problems:
            raise BlueprintError(problems)

    def _module(self, label: str, tree, body, problems: list[Problem]) -> ModuleBlock:
        attributes = _attributes(body, problems, self.file, f"module {label!r}")
        nested = tuple((_block_parts(b, self)[0], _line(b)) for b in _body_items(body) if b.data == "block")
        source = next((a for a in attributes if a.name == "source"), None)
        address = None
        if source is not None:
            resolved = self.resolve(source.expression)
            if not resolved.problems and isinstance(resolved.value, str):
                address = resolved.value
        return ModuleBlock(label, _line(tree), address, tuple(attributes), nested)

    # -- resolution ---------------------------------------------------------------------------

    def resolve(self, tree) -> Resolved:
        """The value of an expression, as far as the file alone determines it."""
        kind = tree.data
        if kind == "expr_term":
            inner = [c for c in tree.children if _is_tree(c) and c.data not in _SKIPPED]
            if len(inner) == 1:
                return self.resolve(inner[0])
        if kind == "int_lit" or kind == "float_lit":
            number = int(tree.children[0]) if kind == "int_lit" else float(tree.children[0])
            if isinstance(number, float) and not math.isfinite(number):
                return self._unresolved(tree, "is too large for a number")
            return Resolved(number, {"": _line(tree)})
        if kind == "literal_value":
            return Resolved({"true": True, "false": False, "null": None}[str(tree.children[0])],
                            {"": _line(tree)})
        if kind == "string":
            return self._template(tree)
        if kind == "tuple":
            return self._tuple(tree)
        if kind == "object":
            return self._object(tree)
        if kind in ("get_attr_expr_term", "index_expr_term", "identifier"):
            return self._traversal(tree)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return self._heredoc(tree)
        if kind == "unary_op":
            operator, operand = tree.children[0], tree.children[1]
            value = self.resolve(operand)
            if str(operator) == "-" and not value.problems and _is_number(value.value):
                return Resolved(-value.value, {"": _line(tree)})
        return self._unresolved(tree, _EXPRESSION_REASONS.get(kind, _OTHER_EXPRESSION))

    def _unresolved(self, tree, reason: str, code: str = "MLD602") -> Resolved:
        return Resolved(None, {"": _line(tree)}, [Unresolved(_line(tree), self.quote(tree), reason, code=code)])

    def quote(self, tree) -> str:
        """The expression as written in the file, on one line and shortened."""
        meta = getattr(tree, "meta", None)
        if meta is None or meta.empty:
            text = str(tree)
        else:
            text = self.text[meta.start_pos:meta.end_pos]
        text = " ".join(text.split())
        return text if len(text) <= 60 else text[:57] + "..."

    def _template(self, tree) -> Resolved:
        parts = [c for c in tree.children if _is_tree(c)]
        pieces = [p.children[0] for p in parts]
        if len(pieces) == 1 and _is_tree(pieces[0]) and pieces[0].data == "interpolation":
            # A template that is one interpolation and nothing else is that value, unconverted.
            return self.resolve(_interpolated(pieces[0]))
        if any(_is_tree(p) and p.data != "interpolation" for p in pieces):  # %{if} / %{for}
            return self._unresolved(tree, "has a template directive (%{...}), which migrate does not "
                                    "evaluate; write the resulting text")
        out, problems = [], []
        for piece in pieces:
            if not _is_tree(piece):
                if piece.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    out.append(str(piece)[1:])  # $${ -> ${ and %%{ -> %{
                    continue
                text, bad = _unescape(str(piece))
                if bad:
                    problems.append(Unresolved(piece.line, bad, "is not an escape sequence HCL knows "
                                               r"(use \n \r \t \" \\ \uNNNN or \UNNNNNNNN)", code="MLD601"))
                out.append(text)
                continue
            expression = _interpolated(piece)
            value = self.resolve(expression)
            problems.extend(value.problems)
            if value.problems:
                continue
            text = _template_text(value.value)
            if text is None:
                problems.append(self._unresolved(expression, f"is {_kind_of(value.value)}, which cannot "
                                                 "be part of a string").problems[0])
                continue
            out.append(text)
        return Resolved(None if problems else "".join(out), {"": _line(tree)}, problems)

    def _tuple(self, tree) -> Resolved:
        result = Resolved([], {"": _line(tree)})
        for index, item in enumerate(c for c in tree.children if _is_tree(c) and c.data not in _SKIPPED):
            value = self.resolve(item)
            _merge(result, pointer_part(index), value)
            result.value.append(value.value)
        if result.problems:
            result.value = None
        return result

    def _object(self, tree) -> Resolved:
        result = Resolved({}, {"": _line(tree)})
        first_line: dict[str, int] = {}
        for element in (c for c in tree.children if _is_tree(c) and c.data == "object_elem"):
            key_tree, value_tree = element.children[0], element.children[-1]
            key = self._key(key_tree.children[0])
            if key.problems:
                result.problems.extend(key.problems)
                continue
            name = key.value
            if name in first_line:
                result.problems.append(Unresolved(_line(element), str(name), f"is set twice in this object "
                                                  f"(lines {first_line[name]} and {_line(element)})",
                                                  code="MLD601", at=pointer_part(name)))
                continue
            first_line[name] = _line(element)
            value = self.resolve(value_tree)
            value.lines[""] = _line(element)
            _merge(result, pointer_part(name), value)
            result.value[name] = value.value
        if result.problems:
            result.value = None
        return result

    def _key(self, tree) -> Resolved:
        """An object key: a bare name is the name itself; a string or ``(expression)`` is evaluated."""
        if tree.data == "keyword":
            return Resolved(str(tree.children[0]))
        inner = [c for c in tree.children if _is_tree(c) and c.data not in _SKIPPED]
        if tree.data == "expr_term" and len(inner) == 1 and inner[0].data == "identifier":
            return Resolved(str(inner[0].children[0]))
        key = self.resolve(tree)
        if key.problems:
            return key
        if isinstance(key.value, bool) or not isinstance(key.value, (str, int, float)):
            return self._unresolved(tree, f"is {_kind_of(key.value)}, which cannot be an object key")
        return Resolved(_template_text(key.value))

    def _heredoc(self, tree) -> Resolved:
        raw = str(tree.children[0])
        if "${" in raw or "%{" in raw:
            return self._unresolved(tree, "is a heredoc with a template in it, which migrate does not "
                                    "evaluate; write the resulting text as a quoted string")
        lines = raw.split("\n")[1:-2]  # drop <<MARKER and the closing MARKER line
        if tree.data == "heredoc_template_trim":
            indents = [len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()]
            cut = min(indents, default=0)
            lines = [x[cut:] for x in lines]
        return Resolved("".join(x + "\n" for x in lines), {"": _line(tree)})

    # -- references ---------------------------------------------------------------------------

    def _traversal(self, tree) -> Resolved:
        steps = []
        node = tree
        while node.data in ("get_attr_expr_term", "index_expr_term"):
            steps.append(node.children[1])
            node = _only_tree(node.children[0])
        steps.reverse()
        if node.data != "identifier":  # (expression).key, func()[0], [for ...][0]
            return self._unresolved(tree, _EXPRESSION_REASONS.get(node.data, _OTHER_EXPRESSION))
        root = str(node.children[0])
        names = [_step_name(step) for step in steps[:1]]
        if root == "local" and names and names[0] is not None:
            found = self._local(names[0], tree)
            if found.problems or len(steps) == 1:
                return Resolved(found.value, dict(found.lines), list(found.problems))
            return self._steps(found, steps[1:], tree)
        if root == "path" and names and names[0] in PATH_ATTRIBUTES and len(steps) == 1:
            return Resolved(".", {"": _line(tree)})  # what Terraform gives for a root module
        return self._unresolved(tree, _reference_reason(root, names[0] if names else None, self.file))

    def _local(self, name: str, use) -> Resolved:
        if name in self._resolving:  # the locals it went through are named with the problem
            return self._unresolved(use, "refers back to a local it is part of, a cycle; give one of "
                                    "them a value")
        if name not in self._memo:
            if name not in self._locals:
                return self._unresolved(use, f"is not defined in any locals block of "
                                        f"{Path(self.file).name} (migrate reads this one file); "
                                        "define it there or write its value")
            self._resolving.append(name)
            try:
                found = self.resolve(self._locals[name].expression)
            finally:
                self._resolving.pop()
            found.problems = [replace(p, via=(f"local.{name}",) + p.via) for p in found.problems]
            self._memo[name] = found
        return self._memo[name]

    def _steps(self, found: Resolved, steps, tree) -> Resolved:
        """``local.x.key`` / ``local.x[0]``: look inside a resolved value."""
        value, prefix = found.value, ""
        for step in steps:
            key = self._step_key(step)
            if key.problems:
                return key
            if isinstance(value, dict) and isinstance(key.value, str) and key.value in value:
                value = value[key.value]
            elif (isinstance(value, list) and isinstance(key.value, int) and not isinstance(key.value, bool)
                  and 0 <= key.value < len(value)):
                value = value[key.value]
            else:
                return self._unresolved(tree, f"looks up {key.value!r} in {_kind_of(value)} that has no "
                                        "such key or index")
            prefix += pointer_part(key.value)
        lines = {k[len(prefix):]: v for k, v in found.lines.items()
                 if k == prefix or k.startswith(prefix + "/")}
        return Resolved(value, lines)

    def _step_key(self, step) -> Resolved:
        name = _step_name(step)
        if name is not None:
            return Resolved(name)
        if step.data == "short_index":  # the legacy local.list.0
            return Resolved(int(step.children[-1]))
        if step.data == "braces_index":
            inner = next(c for c in step.children if _is_tree(c) and c.data not in _SKIPPED)
            return self.resolve(inner)
        return self._unresolved(step, _OTHER_EXPRESSION)


_OTHER_EXPRESSION = ("is an expression migrate does not evaluate (it resolves literals, local.* and "
                     "path.* only); write its value")
_EXPRESSION_REASONS = {
    "function_call": "is a function call; migrate evaluates no functions: write its result",
    "conditional": "is a conditional; migrate does not evaluate it: write the value you want",
    "binary_op": "is an operation; migrate does not evaluate it: write its result",
    "for_tuple_expr": "is a for expression; migrate does not evaluate it: write its result",
    "for_object_expr": "is a for expression; migrate does not evaluate it: write its result",
}


def _reference_reason(root: str, name: str | None, file: str) -> str:
    """What a reference that the file cannot resolve is, and what to write instead."""
    instead = "write its value in its place (in the module block or a local)"
    if root == "var":
        return f"is an input variable, set outside {Path(file).name} (tfvars, -var, default); {instead}"
    if root == "module":
        return f"is an output of module {name!r}, known only after terraform apply; {instead}"
    if root == "data":
        return f"is a data source, read by terraform at plan time; {instead}"
    if root in ("local", "path"):
        return f"is not a reference migrate can resolve (local.NAME, path.module, path.root, path.cwd); {instead}"
    if root in ("each", "count", "self", "terraform"):
        return f"is known only while terraform runs; {instead}"
    if name is None:
        return f"is not a value migrate knows (a bare name); {instead}"
    return f"is an attribute of the resource {root}.{name}, known only after terraform apply; {instead}"


def _merge(into: Resolved, prefix: str, part: Resolved) -> None:
    for pointer, line in part.lines.items():
        into.lines[prefix + pointer] = line
    into.problems.extend(replace(p, at=prefix + p.at) for p in part.problems)


def _template_text(value) -> str | None:
    """How HCL writes a value inside a string; None for values a string cannot hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def _kind_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, bool):
        return "a bool"
    return "a number" if _is_number(value) else "a string"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unescape(text: str) -> tuple[str, str | None]:
    """A quoted string's characters, and the first escape HCL does not define (or None)."""
    if "\\" not in text:
        return text, None
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        marker = text[index + 1:index + 2]
        if marker in _ESCAPES and marker:
            out.append(_ESCAPES[marker])
            index += 2
            continue
        width = {"u": 4, "U": 8}.get(marker)
        digits = text[index + 2:index + 2 + width] if width else ""
        if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
            code = int(digits, 16)
            if code <= 0x10FFFF and not 0xD800 <= code < 0xE000:
                out.append(chr(code))
                index += 2 + width
                continue
        return "", text[index:index + 2 + (width or 0)]
    return "".join(out), None


def _is_tree(node) -> bool:
    return hasattr(node, "data")


def _interpolated(tree):
    """The expression inside ``${...}``."""
    return next(c for c in tree.children if _is_tree(c) and c.data not in _SKIPPED)


def _only_tree(node):
    inner = [c for c in node.children if _is_tree(c) and c.data not in _SKIPPED]
    return inner[0] if node.data == "expr_term" and len(inner) == 1 else node


def _step_name(step) -> str | None:
    """The name of a ``.name`` step, or None for an index."""
    if step.data != "get_attr":
        return None
    return str(next(c for c in step.children if _is_tree(c)).children[0])


def _line(node) -> int:
    meta = getattr(node, "meta", None)
    if meta is not None and not meta.empty:
        return meta.line
    return getattr(node, "line", 0) or 0


def _body_items(body):
    return [c for c in body.children if _is_tree(c) and c.data in ("attribute", "block")]


def _block_parts(tree, tf: TerraformFile) -> tuple[str, list[str], object]:
    """A block's type, its labels and its body."""
    parts = [c for c in tree.children if _is_tree(c) and c.data not in _SKIPPED]
    kind, *labels, body = parts
    names = []
    for label in labels:
        if label.data == "string":
            resolved = tf.resolve(label)
            names.append(resolved.value if isinstance(resolved.value, str) else tf.quote(label))
        else:
            names.append(str(label.children[0]))
    return str(kind.children[0]), names, body


def _attributes(body, problems: list[Problem], file: str, where: str,
                found: dict[str, Attribute] | None = None) -> list[Attribute]:
    """The attributes of a block body, added to ``found``; one set twice is a problem."""
    found = {} if found is None else found
    for item in _body_items(body):
        if item.data != "attribute":
            continue
        attribute = Attribute(str(item.children[0].children[0]), _line(item), item.children[-1])
        if attribute.name in found:
            first = found[attribute.name]
            problems.append(Problem("MLD601", attribute.name, f"{attribute.name!r} is set twice in "
                                    f"{where} (lines {first.line} and {attribute.line}); Terraform "
                                    "refuses this file too", Location(file, attribute.line)))
            continue
        found[attribute.name] = attribute
    return list(found.values())


def read_terraform(path: str | Path) -> TerraformFile:
    """Parse a .tf file; a file that cannot be read or parsed is one MLD601 problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BlueprintError([Problem("MLD601", "FILE.tf", f"cannot read {path}: {reason}",
                                      Location(str(path)))]) from None
    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        found = getattr(exc, "token", None) or getattr(exc, "char", None)
        found = str(found).strip() if found is not None else ""
        what = f"unexpected {found!r}" if found else "unexpected end of file"
        raise BlueprintError([Problem("MLD601", "(hcl)", f"not valid HCL: {what} at column "
                                      f"{getattr(exc, 'column', '?')}",
                                      Location(str(path), getattr(exc, "line", None)))]) from None
    except LarkError as exc:
        raise BlueprintError([Problem("MLD601", "(hcl)", f"not valid HCL: {exc}",
                                      Location(str(path)))]) from None
    return TerraformFile(path, text, tree)
