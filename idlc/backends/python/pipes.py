"""Pipes in the generated module: each pipe type's msgpack chunk codecs, and the view of a
procedure's pipe parameters that its ``idlrt.Pipe`` records, client methods and manager
routines are written from.

A pipe ``typedef pipe T NAME`` moves chunks: ``bytes`` for a pipe of ``byte``, ``char`` or
``unsigned char``, else ``list[T]`` (``typeinfo`` annotates it so, and the module aliases
``NAME`` to it). On the msgpack wire a chunk is the value of an array of ``T`` of any length,
checked element by element as any value is: ``_enc_pipe_NAME(v) -> wire`` and
``_dec_pipe_NAME(w) -> chunk``, errors naming ``NAME[i]``. Their NDR20 twins, of the elements'
octets, are written by ``idlc/backends/ndr/pipes.py``.
"""

from __future__ import annotations

from ... import ir
from .conversions import Marshaller, Path, indent
from .layout import signature


class PipeView(ir.Node):
    """One pipe parameter, as its ``idlrt.Pipe`` names it (see ``idlrt.model.Pipe``)."""

    name: str  # the IDL parameter's name
    py: str  # its Python name, in the client's and the manager's arguments
    index: int  # among the procedure's pipes, in declaration order
    direction: str  # "in" or "out"
    position: int  # in the manager's arguments, not counting the async handle
    is_bytes: bool
    encode: str  # the chunk codecs, qualified
    decode: str
    ndr: tuple[str, str, int, int] | None  # NDR20 encoder, decoder, element size, alignment
    client_type: str  # idlrt.PipeSource[chunk] or idlrt.PipeSink[chunk]
    server_type: str  # idlrt.PipeReader[chunk] or idlrt.PipeWriter[chunk]


def pipe_ref(m: Marshaller, t: ir.Type) -> ir.TypeRef:
    """The typedef that declares the pipe a pipe parameter's type is (an [out] one through its
    [ref] pointer), looked through aliases: ``typedef pipe byte BP; typedef BP BP2;`` -> BP."""
    if isinstance(t, ir.PointerType):
        t = t.target
    assert isinstance(t, ir.TypeRef), "the front end refuses pipes without a typedef"
    for _ in range(100):
        decl = m.decl(t)
        if not isinstance(decl, ir.Typedef) or isinstance(decl.type, ir.PipeType):
            break
        assert isinstance(decl.type, ir.TypeRef)
        t = decl.type
    return t


def pipe_element(m: Marshaller, ref: ir.TypeRef) -> ir.Type:
    decl = m.decl(ref)
    assert isinstance(decl, ir.Typedef) and isinstance(decl.type, ir.PipeType)
    return decl.type.element


def codec_names(m: Marshaller, ref: ir.TypeRef) -> tuple[str, str, str, str]:
    """The chunk codecs of pipe type ``ref``, as this module spells them: msgpack encoder and
    decoder, NDR20 encoder and decoder."""
    return (
        m.qualify(ref, f"_enc_pipe_{ref.name}"),
        m.qualify(ref, f"_dec_pipe_{ref.name}"),
        m.qualify(ref, f"_ndr_pipe_enc_{ref.name}"),
        m.qualify(ref, f"_ndr_pipe_dec_{ref.name}"),
    )


def pipe_codecs(m: Marshaller, name: str, pipe: ir.PipeType) -> list[str]:
    """``_enc_pipe_NAME`` and ``_dec_pipe_NAME``: a chunk to and from its msgpack value."""
    chunk = ir.ArrayType(pipe.element)
    path = Path(name)
    m.reset()
    enc = m.encode(chunk, "v", path)
    out = [*signature("", f"_enc_pipe_{name}", ["v: object"], "object")]
    out += indent([*enc.lines, f"return {enc.expr}"])
    m.reset()
    dec = m.decode(chunk, "w", path)
    out += ["", "", *signature("", f"_dec_pipe_{name}", ["w: object"], ir.py_name(name))]
    out += indent([*dec.lines, f"return {dec.expr}"])
    return out


def pipe_views(
    m: Marshaller,
    proc: ir.Procedure,
    names: dict[str, str],
    positions: dict[str, int],
    layouts: dict[ir.TypeRef, tuple[int, int] | None],
) -> tuple[PipeView, ...]:
    """The views of ``proc``'s pipes: ``names`` are the parameters' Python names, ``positions``
    their places among the manager's arguments, ``layouts`` each pipe type's NDR20 element
    size and alignment (None: no NDR20 codecs)."""
    out: list[PipeView] = []
    for index, p in enumerate(proc.pipe_params):
        ref = pipe_ref(m, p.type)
        enc, dec, ndr_enc, ndr_dec = codec_names(m, ref)
        layout = layouts[ref]
        chunk = m.py_type(ref)
        is_in = p.direction is ir.Direction.IN
        out.append(
            PipeView(
                name=p.name,
                py=names[p.name],
                index=index,
                direction="in" if is_in else "out",
                position=positions[p.name],
                is_bytes=m.is_byte(pipe_element(m, ref)),
                encode=enc,
                decode=dec,
                ndr=None if layout is None else (ndr_enc, ndr_dec, *layout),
                client_type=f"idlrt.PipeSource[{chunk}]" if is_in else f"idlrt.PipeSink[{chunk}]",
                server_type=f"idlrt.PipeReader[{chunk}]" if is_in else f"idlrt.PipeWriter[{chunk}]",
            )
        )
    return tuple(out)
