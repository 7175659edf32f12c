"""The LALR loop that parses: Lark's tables and Lark's rule shapes, driven without Lark.

Lark builds the tables from ``grammar/midl.lark`` and decides, per rule, which children reach the
grammar action named after it (``actions``). ``tables_from`` keeps both in a plain form
(``Tables``, pickled in the user's cache folder); this module runs the shift/reduce loop itself,
with the lexer in line and each reduction a function written out for its rule (compiled when the
tables are built and kept with them), so that parsing imports nothing of Lark:

* twice as fast per token as ``Lark.parse``;
* at start-up, loading the plain tables costs a few milliseconds where importing Lark and
  rebuilding a ``Lark`` object from its cache costs about fifty.

It never explains a syntax error: it raises ``Stuck``, and the caller runs Lark's own parser over
the same input, whose exception (with its parser state) ``errors`` turns into words.

It bounds the depth of what it builds: each value on its stack has a depth (a token 0, a rule's
value one more than its deepest child, a list of Lark's ``x*`` that of its deepest item), and a
value deeper than ``MAX_DEPTH`` raises ``TooDeep``. Every later pass walks the syntax tree, or
the IR made from it, by recursion: the bound keeps their depth far from Python's recursion
limit, whatever the input (``((((...))))``, ``1+1+...+1``, nested structs, ``pipe pipe ...``).
"""

from __future__ import annotations

import marshal
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any

from .lexer import LexError, MidlLexer

FORMAT = 5  # bump when Tables changes shape
# The deepest syntax a parse builds, in rule levels: a parenthesis or an operator is one, a
# nested struct two (its member and itself). Real IDL stays under 30.
MAX_DEPTH = 200

Action = int  # a state to shift to, or ~rule number (negative) to reduce by
Keep = tuple[tuple[int, bool, int], ...]  # per child kept: its index, splice it, Nones before it
# A rule: the name it reduces to, its length, the action named for it, the children kept (None:
# all of them), the Nones appended after them, and whether a lone child is handed up as it is.
RuleShape = tuple[str, int, str, Keep | None, int, bool]
# How the loop reduces a rule: by its length, with a callback (None: hand the lone child up),
# the name it reduces to, and the depth it adds (0 for Lark's lists, which are spliced).
Reduction = tuple[int, Callable[[list[Any]], Any] | None, str, int]
# The state a reduction goes to, by the state below and the rule's name: one state, or one per
# lookahead where the state gone to would hand the value up through `?a: b` rules.
Gotos = list[dict[str, "int | dict[str, int]"]]


_END_OF_INPUT = (("$END", None),)  # the lookahead after the last token


class Stuck(Exception):
    """The input does not parse (Lark's parser will say why)."""


class TooDeep(Exception):
    """The input nests deeper than ``MAX_DEPTH``; ``children`` are those of the reduction that
    went over (their first span says where)."""

    def __init__(self, children: list[Any]) -> None:
        super().__init__("nesting too deep")
        self.children = children


class Tables:
    """What parsing needs of Lark's tables (a plain class: a dataclass costs start-up time)."""

    __slots__ = (
        "end_states",
        "gotos",
        "kept",
        "literals",
        "reducers",
        "rules",
        "start_states",
        "states",
    )

    def __init__(
        self,
        states: list[dict[str, Action]],  # by state number, then terminal name
        start_states: dict[str, int],
        end_states: dict[str, int],
        rules: list[RuleShape],  # numbered as the reduce actions number them
        literals: dict[str, str],  # keyword or punctuation text -> terminal name
        kept: frozenset[str],  # terminals whose tokens some rule hands to its action
        gotos: Gotos,
        reducers: bytes,  # the marshalled code of ``reducers(actions)``
    ) -> None:
        self.states = states
        self.start_states = start_states
        self.end_states = end_states
        self.rules = rules
        self.literals = literals
        self.kept = kept
        self.gotos = gotos
        self.reducers = reducers


def tables_from(lark: Any) -> Tables:
    """The plain tables of a built ``Lark`` object (parser="lalr", maybe_placeholders=True)."""
    from lark import Tree
    from lark.parse_tree_builder import ParseTreeBuilder
    from lark.parsers.lalr_analysis import Shift

    table = lark.parser.parser.parser.parse_table
    rules = list(lark.rules)
    number = {rule: i for i, rule in enumerate(rules)}
    states: list[dict[str, Action]] = []
    for state in range(len(table.states)):
        row: dict[str, Action] = {}
        for term, (action, arg) in table.states[state].items():
            row[sys.intern(str(term))] = arg if action is Shift else ~number[arg]
        states.append(row)
    builder = ParseTreeBuilder(rules, Tree, False, False, True)  # type: ignore[no-untyped-call]
    shapes = [_shape(rule, chain) for rule, chain in builder.rule_builders]
    kept = set()
    for rule, (_, size, _, keep, _, _) in zip(rules, shapes, strict=True):
        for i in range(size) if keep is None else (k[0] for k in keep):
            if rule.expansion[i].is_term:
                kept.add(str(rule.expansion[i].name))
    literals = {t.pattern.value: t.name for t in lark.terminals if t.pattern.type == "str"}
    return Tables(
        states,
        dict(table.start_states),
        dict(table.end_states),
        shapes,
        literals,
        frozenset(kept),
        _gotos(states, shapes),
        _reducers_code(shapes),
    )


def _shape(rule: Any, chain: list[Any]) -> RuleShape:
    """What Lark's callback chain for ``rule`` does to the children (as Lark.__init__ builds it
    for parser="lalr", maybe_placeholders=True): drop filtered tokens, splice ``_rule`` children,
    add None for absent ``[optional]`` parts, hand a lone child up for ``?rule``."""
    from lark.parse_tree_builder import (
        ChildFilterLALR,
        ChildFilterLALR_NoPlaceholders,
        ExpandSingleChild,
    )

    expand1 = False
    keep: Keep | None = None
    trailing = 0
    for wrapper in chain:
        func = getattr(wrapper, "func", None)
        if wrapper is ExpandSingleChild and keep is None:
            expand1 = True
        elif func is ChildFilterLALR and keep is None:
            keep, trailing = tuple(wrapper.args[0]), wrapper.args[1]
        elif func is ChildFilterLALR_NoPlaceholders and keep is None:
            keep = tuple((i, x, 0) for i, x in wrapper.args[0])
        else:  # pragma: no cover - an option this module does not know
            raise ValueError(f"rule {rule}: unknown callback wrapper {wrapper!r}")
    name = rule.alias or rule.options.template_source or rule.origin.name
    origin = sys.intern(str(rule.origin.name))
    return origin, len(rule.expansion), sys.intern(str(name)), keep, trailing, expand1


def load_tables(path: Path) -> Tables | None:
    try:
        with path.open("rb") as f:
            tables = pickle.load(f)
    except Exception:  # missing, truncated or from another version: rebuild it
        return None
    return tables if isinstance(tables, Tables) else None


def save_tables(tables: Tables, path: Path) -> None:
    """Write the tables atomically (compilers running in parallel may read the file)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # pragma: no cover - an unwritable temp folder: rebuild next time
        pass


class Driver:
    def __init__(self, tables: Tables, actions: object) -> None:
        _checked(tables.rules, actions)
        scope: dict[str, Any] = {}
        exec(marshal.loads(tables.reducers), scope)
        functions = scope["reducers"](actions)
        self.tables = tables
        self.reductions: list[Reduction] = [
            (shape[1], function, shape[0], 0 if shape[0].startswith("_") else 1)
            for shape, function in zip(tables.rules, functions, strict=True)
        ]
        self.gotos = tables.gotos
        self.lexer = MidlLexer(tables.literals, tables.kept)

    def parse(self, text: str, start: str) -> Any:
        """What the grammar actions make of ``text`` from ``start``; raises Stuck if it does not
        parse, TooDeep if it nests too deeply (grammar actions may raise their own exceptions)."""
        states = self.tables.states
        gotos = self.gotos
        end_state = self.tables.end_states[start]
        stack = [self.tables.start_states[start]]
        values: list[Any] = []
        depths: list[int] = []  # of each value
        reductions = self.reductions
        tokens = chain(self.lexer.tokens(text, 0, len(text), states, stack), _END_OF_INPUT)
        try:
            for kind, tok in tokens:
                while True:
                    action = states[stack[-1]][kind]
                    if action >= 0:
                        # the end of input is reduced to the start symbol, never shifted
                        if kind == "$END":
                            raise Stuck
                        stack.append(action)
                        values.append(tok)
                        depths.append(0)
                        break
                    size, callback, origin, step = reductions[~action]
                    if callback is None:  # `?a: b`: the value stays, only the state changes
                        goto = gotos[stack[-2]][origin]
                        stack[-1] = goto if goto.__class__ is int else goto[kind]  # type: ignore[index]
                    elif size == 1:  # the commonest: the value and the state are replaced
                        depth = depths[-1] = depths[-1] + step
                        if depth > MAX_DEPTH:
                            raise TooDeep(values[-1:])
                        values[-1] = callback([values[-1]])
                        goto = gotos[stack[-2]][origin]
                        stack[-1] = goto if goto.__class__ is int else goto[kind]  # type: ignore[index]
                    else:
                        if size:
                            children = values[-size:]
                            depth = max(depths[-size:]) + step
                            del stack[-size:]
                            del values[-size:]
                            del depths[-size:]
                        else:
                            children = []
                            depth = step
                        if depth > MAX_DEPTH:
                            raise TooDeep(children)
                        values.append(callback(children))
                        depths.append(depth)
                        goto = gotos[stack[-1]][origin]
                        stack.append(goto if goto.__class__ is int else goto[kind])  # type: ignore[index]
                    if kind == "$END" and stack[-1] == end_state:
                        return values[-1]
        except (KeyError, LexError):
            raise Stuck from None
        raise AssertionError("the end of input either parses or raises Stuck")  # pragma: no cover


def _gotos(states: list[dict[str, Action]], shapes: list[RuleShape]) -> Gotos:
    """The goto table, with the chains of `?a: b` reductions that follow a goto resolved: in
    ``x + y``, ``y`` goes from primary up to add in one step, not eight. (A reduction by
    ``?a: b`` pops the state of ``b`` and goes to that of ``a`` from the same state below.)"""
    names = {shape[0] for shape in shapes}
    passes_up = [_passes_up(shape) for shape in shapes]
    gotos: Gotos = []
    for row in states:
        out: dict[str, int | dict[str, int]] = {}
        for name, target in row.items():
            if name not in names:
                continue
            chains: dict[str, int] = {}
            for kind in states[target]:
                final = target
                while True:
                    action = states[final].get(kind)
                    if action is None or action >= 0 or not passes_up[~action]:
                        break
                    final = row[shapes[~action][0]]
                chains[kind] = final
            out[name] = chains if any(f != target for f in chains.values()) else target
        gotos.append(out)
    return gotos


def _passes_up(shape: RuleShape) -> bool:
    """Whether the rule hands its lone child up unchanged (``?a: b``): no function runs."""
    _, size, _, keep, trailing, expand1 = shape
    return expand1 and size == 1 and keep in (None, ((0, False, 0),)) and not trailing


def _checked(shapes: list[RuleShape], actions: object) -> None:
    """Every rule that reduces has its grammar action, and no ``_rule`` has one."""
    for shape in shapes:
        origin, _, name, _, _, expand1 = shape
        if _passes_up(shape):
            continue
        inline = origin.startswith("_")  # a `_rule` (Lark's for `x*`): its list is spliced
        if (getattr(actions, name, None) is None) != inline or (inline and expand1):
            raise ValueError(f"grammar rule {origin!r}: no action {name!r}, or one for a _rule")


def _reducers_code(shapes: list[RuleShape]) -> bytes:
    """One function, ``reducers(actions)``, that returns each rule's reduction (by rule number)
    written out: the children it keeps (``_rule`` children, which are lists, spliced in), then
    its grammar action, bound as a default argument; None for a rule that passes its child up.
    Lark's own is a chain of generic wrappers looping over what to keep at every reduction.
    Compiled once when the tables are built and kept with them, marshalled."""
    lines = ["def reducers(A):", f"    out = [None] * {len(shapes)}"]
    for number, shape in enumerate(shapes):
        if _passes_up(shape):
            continue
        body = _body(shape)
        action = "None" if shape[0].startswith("_") else f"A.{shape[2]}"
        if body is None:
            lines.append(f"    out[{number}] = {action}")
            continue
        lines.append(f"    def r{number}(c, f={action}):")
        lines.extend(f"        {line}" for line in body)
        lines.append(f"    out[{number}] = r{number}")
    lines.append("    return out")
    code = compile("\n".join(lines) + "\n", "<idlc grammar reductions>", "exec")
    return marshal.dumps(code)


def _body(shape: RuleShape) -> list[str] | None:
    """The lines of a reduction that call ``f``, the action (None: the action is the reduction)."""
    origin, _, _, keep, trailing, expand1 = shape
    inline = origin.startswith("_")
    if keep is None:  # the children as they are (the loop gives a fresh list)
        if not (inline or expand1):
            return None
        return ["return c" if inline else "return c[0] if len(c) == 1 else f(c)"]
    body = []
    built = False  # whether r exists
    pending: list[str] = []  # items not yet added to r

    def flush() -> None:
        nonlocal built
        if pending:
            body.append(f"r += [{', '.join(pending)}]" if built else f"r = [{', '.join(pending)}]")
            built = True
            pending.clear()

    for i, splice, nones in keep:
        pending.extend(["None"] * nones)
        if not splice:
            pending.append(f"c[{i}]")
        elif built or pending:
            flush()
            body.append(f"r += c[{i}]")
        else:  # as Lark does: the first spliced list is reused, not copied
            body.append(f"r = c[{i}]")
            built = True
    pending.extend(["None"] * trailing)
    if pending:
        flush()
    elif not built:
        body.append("r = []")
    if inline:
        body.append("return r")
    else:
        body.append("return r[0] if len(r) == 1 else f(r)" if expand1 else "return f(r)")
    return body
