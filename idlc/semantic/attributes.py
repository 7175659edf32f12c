"""The attributes MIDL knows, in the IDL and in the ACF, and what idlc makes of each.

Every attribute falls in one of four sets, and ``check_attrs`` says so where it is written:

- one MIDL does not know: an **error**, with "did you mean" when a known one is close;
- one of another IDL tool (go-msrpc's ``goext_*``, ``pad``, ``format``): a warning of kind
  ``foreign-attribute``, so that those tools' files still compile;
- one MIDL knows that idlc does not implement and that would change the calls or the data
  (``[ignore]``, ``[represent_as]``, ``[endpoint]``...): a warning of kind ``ignored-attribute``
  naming it, where it could matter (not in an ``[object]`` or ``[local]`` interface, whose
  procedures generate nothing);
- the rest, silently: what idlc implements, and what has nothing to do in Python by its nature
  (documentation and type-library attributes such as ``helpstring`` and ``id``, C-header and
  C-stub tuning such as ``optimize`` and ``code``, and the binding-handle models, since a
  Python client is always its own binding).
"""

from __future__ import annotations

from collections.abc import Collection

from .. import sourcefiles
from ..diagnostics import DiagnosticSink, did_you_mean
from ..nodes import NO_SPAN, Span
from ..syntax import ast

# What idlc implements (some with a warning of their own, such as [transmit_as]).
IMPLEMENTED = frozenset(
    """
    async callback case comm_status context_handle decode default encode fault_status first_is
    in last_is length_is local max_is ms_union object out pointer_default ptr range ref size_is
    string switch switch_is switch_type transmit_as unique uuid v1_enum version wire_marshal
    """.split()  # noqa: SIM905 - a word list reads best as text
)

# MIDL's, with nothing for idlc to do: documentation, type libraries, COM registration, C
# headers and C stubs, the handle models, datagram-only call semantics.
NO_EFFECT = frozenset(
    """
    aggregatable allocate annotation appobject async_uuid auto_handle bindable broadcast call_as
    code control cpp_quote custom default_bind defaultbind defaultcollelem defaultvalue
    defaultvtable disable_consistency_check displaybind dllname dual enable_allocate entry
    explicit_handle force_allocate heap helpcontext helpfile helpstring helpstringcontext
    helpstringdll hidden id idempotent iid_is immediatebind implicit_handle in_line input_sync
    lcid licensed manual nocode nonbrowsable noncreatable nonextensible odl oleautomation optimize
    optional out_of_line pointer_type progid propget propput propputref proxy public readonly
    replaceable requestedit restricted retval satype source threading uidefault usesgetlasterror
    vararg wire_marshal_type
    """.split()  # noqa: SIM905
)

# MIDL's, which would change the calls or the data, and which idlc does not implement.
IGNORED = frozenset(
    """
    binding_callout byte_count context_handle_noserialize context_handle_serialize cs_char
    cs_drtag cs_rtag cs_stag cs_tag_rtn endpoint handle ignore maybe message min_is notify
    notify_flag partial_ignore represent_as strict_context_handle system_handle
    type_strict_context_handle user_marshal
    """.split()  # noqa: SIM905
)

KNOWN_ATTRIBUTES = IMPLEMENTED | NO_EFFECT | IGNORED

# Attributes that other tools add to their copies of MIDL files: go-msrpc's.
_FOREIGN_PREFIXES = ("goext_",)
_FOREIGN = frozenset(("pad", "format"))

# The attributes that are ACF-only in MIDL (an IDL file may not use them, an ACF may).
ACF_ATTRIBUTES = frozenset(
    """
    allocate async auto_handle binding_callout code comm_status context_handle_noserialize
    context_handle_serialize cs_char cs_drtag cs_rtag cs_stag cs_tag_rtn decode
    enable_allocate encode explicit_handle fault_status force_allocate heap ignore
    implicit_handle in_line manual nocode notify notify_flag optimize out_of_line partial_ignore
    represent_as strict_context_handle type_strict_context_handle user_marshal wire_marshal
    """.split()  # noqa: SIM905
)
_ACF_IMPLEMENTED = frozenset(("async", "comm_status", "fault_status", "encode", "decode"))


def is_foreign(name: str) -> bool:
    return name.startswith(_FOREIGN_PREFIXES) or name in _FOREIGN


def check_attrs(attrs: ast.Attrs, sink: DiagnosticSink, *, generated: bool = True) -> None:
    """Report the IDL attributes of one declaration that idlc rejects or ignores; ``generated``
    is False where the declaration generates no call (an ``[object]`` interface's procedure),
    so that an ignored attribute changes nothing and goes unreported."""
    for a in attrs:
        name = a.name
        if name in IMPLEMENTED or name in NO_EFFECT:
            continue
        if name in IGNORED:
            if generated:
                sink.warning(
                    f"attribute [{name}] is not implemented by idlc and is ignored",
                    a.span,
                    kind="ignored-attribute",
                )
        else:
            _unknown(name, a.span, KNOWN_ATTRIBUTES, sink, "")


def check_acf_attrs(attrs: ast.Attrs, sink: DiagnosticSink) -> None:
    """As ``check_attrs``, for the attributes of an ACF."""
    for a in attrs:
        name = a.name
        if name in _ACF_IMPLEMENTED or (name in NO_EFFECT and name in ACF_ATTRIBUTES):
            continue
        if name in ACF_ATTRIBUTES or name in KNOWN_ATTRIBUTES:
            sink.warning(
                f"ACF attribute [{name}] is not implemented by idlc and is ignored",
                a.span,
                kind="ignored-attribute",
            )
        else:
            _unknown(name, a.span, ACF_ATTRIBUTES, sink, "ACF ")


def _unknown(
    name: str, span: Span, known: Collection[str], sink: DiagnosticSink, what: str
) -> None:
    if is_foreign(name):
        sink.warning(
            f"attribute [{name}] is not MIDL's (another IDL tool's extension) and is ignored",
            span,
            kind="foreign-attribute",
        )
        return
    sink.error(f"unknown {what}attribute '{name}'{did_you_mean(name, known)}", span)


def doc_comment(span: Span, attrs: ast.Attrs) -> str | None:
    """The comment directly above a declaration that starts at ``span`` or at its first
    attribute, which becomes its docstring."""
    if span is NO_SPAN:
        return None
    line = min([span.line, *(a.span.line for a in attrs if a.span.file == span.file)])
    return sourcefiles.leading_comment(span.file, line)
