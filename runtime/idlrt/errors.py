"""``RpcError``: an MS-RPC status code raised as a Python exception. Layer 1 (status and
errors): imports only ``status``.
"""

from __future__ import annotations

from .status import is_known, message_of, name_of


class RpcError(Exception):
    """A failed RPC, carrying its MS-RPC status ``code`` (see ``idlrt.status``).

    ``str(err)`` is the Windows message, the MS name and the code, then ``detail`` if given
    (for example the path of a value that does not fit its IDL type). A code not in the MS
    table (an application's own, ``abort(0x3001)``) reads ``0x00003001 (application-defined)``.
    """

    code: int
    detail: str | None

    def __init__(self, code: int, detail: str | None = None) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    @property
    def name(self) -> str:
        """The MS name of the code, e.g. ``"RPC_S_CALL_CANCELLED"``."""
        return name_of(self.code)

    @property
    def message(self) -> str:
        """The Windows message text of the code."""
        return message_of(self.code)

    def __str__(self) -> str:
        if is_known(self.code):
            text = f"{self.message.rstrip('.')} ({self.name}, {self.code})"
        else:  # an application's own code: no MS name or text to give
            text = self.message
        return text if self.detail is None else f"{text}: {self.detail}"

    def __repr__(self) -> str:
        if self.detail is None:
            return f"RpcError({self.code})"
        return f"RpcError({self.code}, {self.detail!r})"


class BadType(RpcError):
    """An ``RpcError`` raised by a generated check for a value of the wrong Python type.

    Where the value came from the peer (a decoder) or from a manager (the server's encoders,
    SEMANTICS rule 7), it is the ``RpcError`` it is. Where the caller passed it to a client
    method, the client raises ``caller_error(exc)`` instead: a ``TypeError``.
    """


class BadValue(RpcError):
    """As ``BadType``, for a value of the right type that breaks its IDL type's rules (out of
    range, a wrong length, an undeclared enum value, a null ``[ref]``): a ``ValueError`` where
    the caller passed it."""


def caller_error(exc: RpcError) -> Exception:
    """The exception for a bad argument found by a client's encoder: ``TypeError`` for a
    ``BadType``, ``ValueError`` for a ``BadValue``, naming the value's path and IDL type
    (``"Put.item.tags[3]: 300 does not fit unsigned small"``); any other ``RpcError`` stands
    (1764 for a construct the stubs cannot carry)."""
    if isinstance(exc, BadType):
        return TypeError(exc.detail)
    if isinstance(exc, BadValue):
        return ValueError(exc.detail)
    return exc
