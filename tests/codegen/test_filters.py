"""The filters the templates call lay out what the views give them as the generator did."""

from __future__ import annotations

from idlc.backends.python import render
from idlc.backends.python.filters import FILTERS, method_signature, names, py_tuple
from idlc.backends.python.layout import LINE_LENGTH


def test_method_signature_puts_keywords_after_a_star() -> None:
    timeout = ("timeout: float | None = None",)
    assert method_signature("f", ("self", ("a", "int")), "None", timeout) == (
        "    def f(self, a: int, *, timeout: float | None = None) -> None:"
    )
    assert method_signature("f", ("self",), "int", (), True) == "    async def f(self) -> int:"


def test_method_signature_wraps_long_parameter_lists() -> None:
    params = ("self", *((f"argument_{i}", "list[int] | None") for i in range(5)))
    lines = method_signature("method", params, "None").split("\n")
    assert lines[0] == "    def method("
    assert lines[-1] == "    ) -> None:"
    assert all(len(line) <= LINE_LENGTH for line in lines)


def test_names_are_the_arguments_of_a_call() -> None:
    assert names((("a", "int"), ("b", "str"))) == "a, b"
    assert names(()) == ""


def test_py_tuple_shapes() -> None:
    assert py_tuple([], "    ", "procedures=", ",") == "    procedures=(),"
    assert py_tuple(["_I_P"], "    ", "procedures=", ",") == "    procedures=(_I_P,),"
    assert py_tuple(["_I_P", "_I_Q"], "    ", "procedures=", ",") == (
        "    procedures=(\n        _I_P,\n        _I_Q,\n    ),"
    )
    long = "_" + "x" * 75
    assert py_tuple([long], "    ", "procedures=", ",") == (
        f"    procedures=(\n        {long},\n    ),"
    )


def test_every_template_compiles_with_the_filters_registered() -> None:
    env = render.environment()
    assert set(FILTERS) <= set(env.filters)
    for name in ("module.py.j2", "_types.py.j2", "_interface.py.j2", "_macros.py.j2"):
        env.get_template(name)
