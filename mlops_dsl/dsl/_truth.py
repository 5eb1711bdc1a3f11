"""Why a gate is asked for its truth value, read from the source of the expression asking.

Python evaluates ``lo < metric(m) < hi`` as ``(lo < m) and (m < hi)``, and ``a and b`` as ``b``
when ``a`` is true: both ask each gate but the last for its truth value, then return only the last
gate. To keep every bound, ``Gate.__bool__`` finds out which expression is asking. CPython records
the source span of every instruction (``code.co_positions()``, what tracebacks underline), and the
instruction that tests an operand of a chained comparison or of an ``and`` spans that whole
expression; parsing the text of the span says which of the two it is. In those two cases the gate
answers True and is *held* for the next gate made by a comparison in the same frame, inside the
same expression and after the test, which comes back joined with it (``held & new``). Nothing
survives the expression: the one slot is per thread and replaced by the next held gate.

Every other truth test (``or``, ``not``, ``if``, ``assert``, ``all(...)``, an ``and`` whose last
operand is not a comparison, source that cannot be read) gets ``None`` here, and the gate refuses
it at the user's line: guessing there could only drop or invent a bound. So does code whose
positions no longer match its text, such as an ``assert`` rewritten by pytest: a refusal, never a
misreading, since only a chain or an ``and`` in the text itself is ever answered True.
"""
from __future__ import annotations

import threading
from itertools import islice

CHAIN, AND = "chained comparison", "and"

_held = threading.local()  # .gate, .frame (id, code), .span, .offset: one gate, at most


def _span(frame) -> tuple[int, int, int, int] | None:
    """(line, end line, column, end column) of the instruction ``frame`` is running."""
    found = next(islice(frame.f_code.co_positions(), frame.f_lasti // 2, None), None)
    return None if found is None or None in found else found


def _text(frame, span) -> str | None:
    """The source text of ``span`` in ``frame``'s file (columns count UTF-8 bytes)."""
    import linecache

    line, end_line, column, end_column = span
    lines = linecache.getlines(frame.f_code.co_filename, frame.f_globals)
    if not lines or len(lines) < end_line:
        return None
    chunk = [text.encode("utf-8") for text in lines[line - 1:end_line]]
    chunk[-1] = chunk[-1][:end_column]
    chunk[0] = chunk[0][column:]
    return b"".join(chunk).decode("utf-8", errors="replace")


def truth_test(frame) -> tuple[str, tuple] | None:
    """``(CHAIN or AND, span)`` when ``frame`` is testing an operand of a chained comparison or of
    an ``and`` whose last operand is a comparison (so the gate it returns is made after the test);
    None for any other truth test, or when the source cannot be read."""
    import ast

    span = _span(frame)
    text = _text(frame, span) if span else None
    if text is None:
        return None
    try:
        expression = ast.parse(f"({text})", mode="eval").body
    except SyntaxError:
        return None
    if isinstance(expression, ast.Compare) and len(expression.ops) > 1:
        return CHAIN, span
    if (isinstance(expression, ast.BoolOp) and isinstance(expression.op, ast.And)
            and isinstance(expression.values[-1], ast.Compare)):
        return AND, span
    return None


def user_frame():
    """The frame of the first caller outside mlops_dsl (the rule of ``_node.caller_location``)."""
    import sys

    frame = sys._getframe(1)
    while frame is not None and _ours(frame):
        frame = frame.f_back
    return frame


def _ours(frame) -> bool:
    module = frame.f_globals.get("__name__") or ""
    return module == "mlops_dsl" or module.startswith("mlops_dsl.") or module == "dataclasses"


def hold(gate, frame, span) -> None:
    """Keep ``gate`` for the next gate ``frame`` makes inside ``span``."""
    _held.gate, _held.frame, _held.span = gate, (id(frame), frame.f_code), span
    _held.offset = frame.f_lasti


def take(frame):
    """The gate held for a gate ``frame`` is making now, or None (and then it stays held)."""
    gate = getattr(_held, "gate", None)
    if gate is None or _held.frame != (id(frame), frame.f_code) or frame.f_lasti <= _held.offset:
        return None
    here = _span(frame)
    line, end_line, column, end_column = _held.span
    if here is None or (here[0], here[2]) < (line, column) or (here[1], here[3]) > (end_line, end_column):
        return None
    _held.gate = None
    return gate
