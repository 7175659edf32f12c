"""Helpers for generated encode/decode functions (``from idlrt import codec as _codec``): pure,
tiny, no asyncio. Layer 2 (beside the wire codecs): imports status, errors, ``ctxhandle`` and
``untrusted`` (a bad value is shown cut short, ``safe_repr``); it reaches the call it serves
only through ``ctxhandle.scope``, never the server's modules.

Generated code checks values in straight-line code and calls these only to take a list apart or
to build the ``RpcError`` that describes a bad value. The error constructors *return* the
exception (the generated code raises it), and every message starts with the path of the value,
e.g. ``"Put.item.tags[3]: 300 does not fit unsigned small"``. A bad value is an
``errors.BadType`` or ``errors.BadValue`` (both ``RpcError``): the client turns it into the
``TypeError`` or ``ValueError`` of its caller (``errors.caller_error``); from a decoder or a
server's encoder it is the ``RpcError`` it is.
"""

from __future__ import annotations

import os
from typing import Any

from .ctxhandle import ID_SIZE, ContextHandle, record_change, scope
from .errors import BadType, BadValue, RpcError
from .status import (
    RPC_S_CANNOT_SUPPORT,
    RPC_X_BAD_STUB_DATA,
    RPC_X_ENUM_VALUE_OUT_OF_RANGE,
    RPC_X_INVALID_BOUND,
    RPC_X_NULL_REF_POINTER,
    RPC_X_SS_CONTEXT_MISMATCH,
    RPC_X_SS_IN_NULL_CONTEXT,
)
from .untrusted import safe_repr

__all__ = [
    "NO_VALUE",
    "bound_error",
    "check_count",
    "check_length_range",
    "ctx_from_client",
    "ctx_from_server",
    "ctx_to_client",
    "ctx_to_server",
    "enum_error",
    "fields",
    "int_error",
    "null_ref",
    "range_error",
    "result_tuple",
    "type_error",
    "union_error",
    "unsupported",
]

# What the other [out] values of a call are when a [comm_status]/[fault_status] code stands in
# for its result: nothing was received, and the type checker is told not to mind.
NO_VALUE: Any = None


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def fields(w: object, n: int, path: str) -> list[object]:
    """``w`` as a list of exactly ``n`` items (a list or tuple on the wire), else 1783."""
    if type(w) is list:
        if len(w) == n:
            return w
    elif type(w) is tuple:
        if len(w) == n:
            return list(w)
    else:
        raise RpcError(RPC_X_BAD_STUB_DATA, f"{path}: expected a list, got {_type_name(w)}")
    raise RpcError(RPC_X_BAD_STUB_DATA, f"{path}: expected {n} items, got {len(w)}")


def int_error(value: object, type_name: str, path: str) -> RpcError:
    """1783 for a value that is not an int (a ``bool`` is not one), or an int that does not fit
    ``type_name``."""
    if not isinstance(value, int) or isinstance(value, bool):
        return BadType(
            RPC_X_BAD_STUB_DATA, f"{path}: expected an int ({type_name}), got {_type_name(value)}"
        )
    return BadValue(RPC_X_BAD_STUB_DATA, f"{path}: {value} does not fit {type_name}")


def type_error(value: object, expected: str, path: str) -> RpcError:
    """1783 for a value of the wrong Python type."""
    return BadType(RPC_X_BAD_STUB_DATA, f"{path}: expected {expected}, got {_type_name(value)}")


def null_ref(path: str) -> RpcError:
    """1780 for a ``[ref]`` pointer that is None."""
    return BadValue(RPC_X_NULL_REF_POINTER, f"{path}: null [ref] pointer (None)")


def enum_error(value: object, enum_name: str, path: str) -> RpcError:
    """1781 for a value that ``enum_name`` does not declare (1783 for a value not an int)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return BadType(
            RPC_X_BAD_STUB_DATA, f"{path}: expected an int ({enum_name}), got {_type_name(value)}"
        )
    return BadValue(
        RPC_X_ENUM_VALUE_OUT_OF_RANGE, f"{path}: {safe_repr(value)} is not a {enum_name}"
    )


def bound_error(path: str, message: str) -> RpcError:
    """1734 for array bounds that disagree (``size_is``, ``length_is``...)."""
    return BadValue(RPC_X_INVALID_BOUND, f"{path}: {message}")


def check_count(value: object, expected: object, path: str, attribute: str) -> None:
    """Raise 1734 unless the array ``value`` (None: nothing to check) has ``expected`` items,
    as the ``attribute`` (``size_is``, ``length_is``...) that governs it says."""
    if value is None or not hasattr(value, "__len__"):
        return
    count = len(value)
    if type(expected) is not int and not isinstance(expected, int):
        raise BadValue(
            RPC_X_INVALID_BOUND, f"{path}: {attribute} is {safe_repr(expected)}, not a number"
        )
    if count != expected:
        raise BadValue(RPC_X_INVALID_BOUND, f"{path}: {count} items, but {attribute} is {expected}")


def check_length_range(value: object, low: int, high: int, path: str) -> None:
    """1783 unless the string or array ``value`` (None: nothing to check) has a length within
    its ``[range(low, high)]``."""
    if value is None or not hasattr(value, "__len__"):
        return
    if not low <= len(value) <= high:
        raise BadValue(
            RPC_X_BAD_STUB_DATA, f"{path}: length {len(value)} is outside range({low}, {high})"
        )


def union_error(discriminant: object, union_name: str, path: str) -> RpcError:
    """1783 for a discriminant that selects no arm of ``union_name`` (and there is no default)."""
    return BadValue(
        RPC_X_BAD_STUB_DATA, f"{path}: no arm of union {union_name} for {safe_repr(discriminant)}"
    )


def range_error(value: object, low: object, high: object, path: str) -> RpcError:
    """1783 for a number outside its ``[range(low, high)]``."""
    return BadValue(
        RPC_X_BAD_STUB_DATA, f"{path}: {safe_repr(value)} is outside range({low}, {high})"
    )


def unsupported(what: str, path: str) -> RpcError:
    """1764 for a value of an IDL construct the runtime cannot carry (e.g. a pipe)."""
    return RpcError(RPC_S_CANNOT_SUPPORT, f"{path}: {what} is not supported")


def result_tuple(r: object, n: int, proc: str) -> tuple[object, ...]:
    """The result of a synchronous routine with several values, as a tuple of ``n`` items.

    Any tuple or list of length ``n`` is accepted (the generated NamedTuple is one). Anything
    else is a bug in the manager routine; it is reported as 1783 RPC_X_BAD_STUB_DATA (the
    server stub cannot marshal the result), and the server logs it.
    """
    if type(r) is tuple or isinstance(r, tuple | list):
        if len(r) == n:
            return tuple(r)
        raise RpcError(
            RPC_X_BAD_STUB_DATA, f"{proc}: the routine returned {len(r)} values, expected {n}"
        )
    raise RpcError(
        RPC_X_BAD_STUB_DATA,
        f"{proc}: the routine returned {_type_name(r)}, expected a tuple of {n} values",
    )


# -- context handles (SEMANTICS rules 18-19; see ctxhandle.py) -------------------------------
# One call per context-handle value; ``path`` is "Proc.param", the same for both directions of
# an [in, out] parameter. [in]-only handles are not nullable, [in, out] ones are.


def ctx_to_server(v: object, path: str, nullable: bool) -> bytes | None:
    """Client encode: the wire id of ``v`` (a ``ContextHandle``, or None where ``nullable``).

    None where not nullable: 1775 RPC_X_SS_IN_NULL_CONTEXT; another type: 1783.
    """
    if type(v) is ContextHandle:
        return v._id
    if v is None:
        if nullable:
            return None
        raise BadValue(RPC_X_SS_IN_NULL_CONTEXT, f"{path}: null context handle")
    raise type_error(v, "ContextHandle", path)


def ctx_from_server(w: object, path: str) -> ContextHandle | None:
    """Client decode: the ``ContextHandle`` the server sent, None if it closed it; else 1783."""
    if w is None:
        return None
    if type(w) is bytes and len(w) == ID_SIZE:
        return ContextHandle(w)
    raise RpcError(RPC_X_BAD_STUB_DATA, f"{path}: expected a context handle, got {_type_name(w)}")


def ctx_from_client(w: object, path: str, type_name: str, nullable: bool) -> object:
    """Server decode: the object the manager registered for id ``w`` on this connection.

    An id unknown here (never issued, closed, or from another connection): 6
    RPC_X_SS_CONTEXT_MISMATCH. Null where not nullable: 1775; null [in, out]: None.
    ``type_name`` is not checked (as MIDL without ``[strict_context_handle]``).
    """
    rec = scope.call
    if rec is None:
        raise RuntimeError(f"{path}: outside a call, or its Procedure lacks context_handles=True")
    if w is None:
        if not nullable:
            raise RpcError(RPC_X_SS_IN_NULL_CONTEXT, f"{path}: null context handle")
        obj: object = None
    elif type(w) is not bytes:
        raise type_error(w, "a context handle", path)
    else:
        table = rec._conn.ctx_table
        entry = table.handles.get(w) if table is not None else None
        if entry is None:
            raise RpcError(RPC_X_SS_CONTEXT_MISMATCH, f"{path}: unknown context handle")
        obj = entry.obj
    ids = rec._ctx_ids
    if ids is None:
        rec._ctx_ids = {path: w}
    else:
        ids[path] = w
    return obj


def ctx_to_client(v: object, path: str, type_name: str) -> bytes | None:
    """Server encode: the wire id for ``v``, the object the manager wants behind the handle.

    Where the call received an [in, out] handle at ``path``: the same id (the object behind it
    becomes ``v``), or None if ``v`` is None (closed, no rundown). Otherwise (a pure [out], or
    a null [in, out]): None for None, else a new id for ``v`` on this connection. Nothing is
    changed until the whole reply is encoded and sent (the runtime commits it).
    """
    rec = scope.call
    if rec is None:
        raise RuntimeError(f"{path}: outside a call, or its Procedure lacks context_handles=True")
    ids = rec._ctx_ids
    cid = ids.get(path) if ids is not None else None
    if cid is not None:
        record_change((cid, v, type_name, False))
        return None if v is None else cid
    if v is None:
        return None
    cid = os.urandom(ID_SIZE)
    record_change((cid, v, type_name, True))
    return cid
