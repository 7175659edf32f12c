"""Pipes: the types generated stubs name for pipe parameters.

PLACEHOLDER (issue 19, compiler side): only the typed names, so that generated code imports
and type-checks. The runtime's pipe machinery replaces this module; nothing here moves data.

- ``PipeSource[T]``: what a client passes for an [in] pipe, chunks from an iterable or an
  async iterable.
- ``PipeSink[T]``: what a client passes for an [out] pipe, a callable given each chunk.
- ``PipeReader[T]``: a manager's [in] pipe; ``PipeWriter[T]``: a manager's [out] pipe.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeAlias, TypeVar

from .errors import RpcError
from .status import RPC_S_CANNOT_SUPPORT

T = TypeVar("T")

PipeSource: TypeAlias = Iterable[T] | AsyncIterable[T]
PipeSink: TypeAlias = Callable[[T], Awaitable[None] | None]


def _no_pipes() -> RpcError:
    return RpcError(RPC_S_CANNOT_SUPPORT, "pipes are not implemented yet")


class PipeReader(Generic[T]):
    """A manager's [in] pipe (placeholder): ``async for``/``for`` over its chunks."""

    def __aiter__(self) -> PipeReader[T]:
        return self

    async def __anext__(self) -> T:
        raise _no_pipes()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        raise _no_pipes()

    async def read_all(self) -> T:
        raise _no_pipes()


class PipeWriter(Generic[T]):
    """A manager's [out] pipe (placeholder): ``await p.push(chunk)``."""

    def push(self, chunk: T) -> Awaitable[None]:
        raise _no_pipes()
