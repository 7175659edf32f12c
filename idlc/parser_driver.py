"""The LALR loop that parses: Lark's tables and Lark's rule callbacks, driven without Lark.

Lark builds the tables from ``grammar/midl.lark`` and the callbacks that filter each rule's
children before calling the grammar action named after it (``parser_actions``); this module
keeps the tables in a plain form (``Tables``, pickled beside Lark's own cache) and runs the
shift/reduce loop itself, with the lexer called in line and each reduction looked up by number:

* twice as fast per token as ``Lark.parse``;
* at start-up, loading the plain tables costs a few milliseconds where rebuilding a ``Lark``
  object from its cache costs about thirty.

It never explains a syntax error: it raises ``Stuck``, and the caller runs Lark's own parser over
the same input, whose exception (with its parser state) ``parser_errors`` turns into words.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from lark.exceptions import UnexpectedInput

from .lexer import MidlLexer

FORMAT = 3  # bump when Tables changes shape

Action = int  # a state to shift to, or ~rule number (negative) to reduce by
Reduction = tuple[int, Callable[[list[Any]], Any], str]  # children, callback, rule name


class Stuck(Exception):
    """The input does not parse (Lark's parser will say why)."""


class Tables:
    """What parsing needs of Lark's tables (a plain class: a dataclass costs start-up time)."""

    __slots__ = ("end_states", "literals", "rules", "start_states", "states")

    def __init__(
        self,
        states: list[dict[str, Action]],  # by state number, then terminal name
        start_states: dict[str, int],
        end_states: dict[str, int],
        rules: list[Any],  # lark.grammar.Rule, numbered as the reduce actions number them
        literals: dict[str, str],  # keyword or punctuation text -> terminal name
    ) -> None:
        self.states = states
        self.start_states = start_states
        self.end_states = end_states
        self.rules = rules
        self.literals = literals


def tables_from(lark: Any) -> Tables:
    """The plain tables of a built ``Lark`` object."""
    from lark.parsers.lalr_analysis import Shift

    table = lark.parser.parser.parser.parse_table
    rules = list(lark.rules)
    number = {rule: i for i, rule in enumerate(rules)}
    states: list[dict[str, Action]] = []
    for state in range(len(table.states)):
        row: dict[str, Action] = {}
        for term, (action, arg) in table.states[state].items():
            row[term] = arg if action is Shift else ~number[arg]
        states.append(row)
    literals = {t.pattern.value: t.name for t in lark.terminals if t.pattern.type == "str"}
    return Tables(states, dict(table.start_states), dict(table.end_states), rules, literals)


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
        from lark import Tree
        from lark.parse_tree_builder import ParseTreeBuilder

        # as Lark.__init__ builds them for parser="lalr", maybe_placeholders=True
        builder = ParseTreeBuilder(tables.rules, Tree, False, False, True)  # type: ignore[no-untyped-call]
        callbacks = builder.create_callback(actions)  # type: ignore[no-untyped-call]
        chains = dict(builder.rule_builders)
        self.tables = tables
        # Rule names as plain strings: Lark's are Tokens, whose __eq__ (Python code) ran at
        # every goto's dict lookup.
        self.reductions: list[Reduction] = [
            (
                len(rule.expansion),
                _callback(rule, chains[rule], actions, Tree) or callbacks[rule],
                sys.intern(str(rule.origin.name)),
            )
            for rule in tables.rules
        ]
        self.lexer = MidlLexer.for_literals(tables.literals)

    def parse(self, text: str, start: str) -> Any:
        """What the grammar actions make of ``text`` from ``start``; raises Stuck if it does not
        parse (grammar actions may raise their own exceptions)."""
        states = self.tables.states
        end_state = self.tables.end_states[start]
        stack = [self.tables.start_states[start]]
        values: list[Any] = []
        reductions = self.reductions
        try:
            for tok in self.lexer.tokens(text, 0, len(text), states, stack):
                kind = tok.type
                while True:
                    action = states[stack[-1]][kind]
                    if action >= 0:
                        stack.append(action)
                        values.append(tok)
                        break
                    size, callback, origin = reductions[~action]
                    if size:
                        children = values[-size:]
                        del stack[-size:]
                        del values[-size:]
                    else:
                        children = []
                    values.append(callback(children))
                    stack.append(states[stack[-1]][origin])
            while True:
                action = states[stack[-1]]["$END"]
                if action >= 0:
                    raise Stuck
                size, callback, origin = reductions[~action]
                if size:
                    children = values[-size:]
                    del stack[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(callback(children))
                stack.append(states[stack[-1]][origin])
                if stack[-1] == end_state:
                    return values[-1]
        except (KeyError, UnexpectedInput):
            raise Stuck from None


def _callback(rule: Any, chain: list[Any], actions: object, tree: Any) -> Any:
    """What Lark's callback for ``rule`` does (drop filtered tokens, splice ``_rule`` children,
    add None for absent ``[optional]`` parts, hand a lone child up for ``?rule``, then call the
    grammar action), as one function written out for the rule: Lark's is a chain of generic
    wrappers that loop over a list of what to keep at every reduction. None when the chain holds
    anything else (Lark's own callback is used then)."""
    from lark.parse_tree_builder import (
        ChildFilterLALR,
        ChildFilterLALR_NoPlaceholders,
        ExpandSingleChild,
    )

    name = rule.alias or rule.options.template_source or rule.origin.name
    action = getattr(actions, name, None)
    if action is None:
        action = partial(tree, name)
    elif getattr(action, "visit_wrapper", None) is not None:
        return None
    expand1 = False
    keep: list[tuple[int, bool, int]] | None = None  # child index, splice it, Nones before it
    trailing = 0
    for wrapper in chain:
        if wrapper is ExpandSingleChild and keep is None:
            expand1 = True
        elif isinstance(wrapper, partial) and wrapper.func is ChildFilterLALR and keep is None:
            keep, trailing = list(wrapper.args[0]), wrapper.args[1]
        elif (
            isinstance(wrapper, partial)
            and wrapper.func is ChildFilterLALR_NoPlaceholders
            and keep is None
        ):
            keep = [(i, x, 0) for i, x in wrapper.args[0]]
        else:
            return None
    if keep is None:
        if not expand1:
            return action
        body = ["r = c"]
    else:
        body = []
        built = False  # whether r exists
        pending: list[str] = []  # items not yet added to r

        def flush() -> None:
            nonlocal built
            if pending:
                body.append(
                    f"r += [{', '.join(pending)}]" if built else f"r = [{', '.join(pending)}]"
                )
                built = True
                pending.clear()

        for i, splice, nones in keep:
            pending.extend(["None"] * nones)
            if not splice:
                pending.append(f"c[{i}]")
            elif built or pending:
                flush()
                body.append(f"r += c[{i}].children")
            else:  # as Lark does: the first spliced list is reused, not copied
                body.append(f"r = c[{i}].children")
                built = True
        pending.extend(["None"] * trailing)
        if pending:
            flush()
        elif not built:
            body.append("r = []")
    body.append("return r[0] if len(r) == 1 else f(r)" if expand1 else "return f(r)")
    scope: dict[str, Any] = {"f": action}
    exec("def reduce(c):\n    " + "\n    ".join(body), scope)
    return scope["reduce"]
