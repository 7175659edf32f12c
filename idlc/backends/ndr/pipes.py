"""The NDR20 chunk codecs of a pipe type (C706 14.3.14, [MS-RPCE] 2.2.6): a chunk on the wire
is a count (4 octets, aligned to 4), then the elements, aligned to the element's alignment;
the runtime writes and reads the count and the padding before the first element, these write
and read the elements, element ``i`` at offset ``i * size``:

- ``_ndr_pipe_enc_NAME(v) -> bytes``: the elements of chunk ``v``, each padded to ``size``
  (so a chunk of ``n`` is ``n * size`` octets; a structure whose size is not a multiple of its
  alignment is padded after its last element too);
- ``_ndr_pipe_dec_NAME(data, count) -> chunk``: ``count`` elements from ``data``, which starts
  at the first (1783 when it is short).

A pipe's elements have a fixed size without pointers (the front end's rule); one whose size
varies (a union's arms) has no NDR20 codecs: a warning, and its calls raise 1764 on DCE/RPC.
"""

from __future__ import annotations

from ... import ir
from ..python.conversions import Path
from ..python.layout import py_str, signature
from .context import Context, Value
from .decode import Decoder
from .encode import Encoder
from .model import EMBEDDED, Model, align_up


def element_layout(model: Model, element: ir.Type) -> tuple[int, int] | None:
    """The NDR20 size (with its padding to the alignment) and the alignment of one element;
    None when its size is not fixed."""
    lay = model.of(element, EMBEDDED)
    if lay.problem or lay.deferred or lay.size is None or lay.conformant:
        return None
    align = lay.group_align or lay.align
    return align_up(lay.size, align), align


def pipe_functions(ctx: Context, name: str, element: ir.Type, span: ir.Span | None) -> list[str]:
    """``_ndr_pipe_enc_NAME`` and ``_ndr_pipe_dec_NAME``; nothing, with a warning, when the
    element's size is not fixed."""
    layout = element_layout(ctx.model, element)
    if layout is None:
        ctx.span, ctx.where = span, name
        lay = ctx.model.of(element, EMBEDDED)
        ctx.problem(f"a pipe of elements of no fixed size ({lay.problem or 'a union'})")
        return []
    size, align = layout
    exact = ctx.model.of(element, EMBEDDED).size
    chunk = ctx.m.py_type(ir.ArrayType(element))
    val = Value({}, Path(name))
    ctx.where, ctx.span = name, span

    out = signature("", f"_ndr_pipe_enc_{name}", ["v: Any"], "bytes")
    if ctx.m.is_byte(element):  # the octets themselves, not copied twice
        out += [
            "    if not isinstance(v, (bytes, bytearray)):",
            f'        raise _codec.type_error(v, "bytes", {py_str(name)})',
            "    return bytes(v)",
        ]
    else:
        enc = Encoder(ctx, 8, depth=2)
        enc.elements(element, "v", None, val)
        if exact != size:  # the last element's padding too: element i at i * size
            enc.flush()
            enc.runtime_align(align)
        out += [
            "    b = _ndr.Buffer()",
            "    try:",
            *enc.text(),
            "    except _ndr.ENCODE_ERRORS as exc:",
            f"        _ndr.encode_failed(exc, {py_str(name)}, _enc_pipe_{name}, v)",
            "    return bytes(b)",
        ]

    dec = Decoder(ctx, 8, depth=2)
    dec.emit(f"r.fits(count, {exact})")  # before a loop of count: the data bounds it
    x = dec.elements(element, "count", None, val)
    dec.emit(f"chunk: {chunk} = {x}", "return chunk")
    head = signature("", f"_ndr_pipe_dec_{name}", ["data: bytes", "count: int"], chunk)
    out += [
        "",
        "",
        *head,
        "    r = _ndr.Reader(data)",
        "    try:",
        *dec.text(),
        "    except _ndr.DECODE_ERRORS as exc:",
        f"        _ndr.decode_failed(exc, {py_str(name)})",
    ]
    ctx.used_any = True
    return out
