"""MS-RPC status codes, by their Microsoft names and values (winerror.h, rpcnterr.h).

Every code has one preferred name (what ``RpcError.name`` reports) and the message text of the
Windows table. Aliases that Microsoft defines for the same value (``RPC_X_NO_MEMORY``,
``RPC_S_INVALID_BOUND``...) are module constants too.

Layer 1 (status and errors), the bottom: imports nothing of idlrt.
"""

from __future__ import annotations

# The table: (value, preferred name, message). Ordered by value.
_TABLE: tuple[tuple[int, str, str], ...] = (
    (0, "RPC_S_OK", "The operation completed successfully."),
    (5, "RPC_S_ACCESS_DENIED", "Access is denied."),
    (6, "RPC_X_SS_CONTEXT_MISMATCH", "The handle is invalid."),
    (
        8,
        "ERROR_NOT_ENOUGH_MEMORY",
        "Not enough memory resources are available to process this command.",
    ),
    (
        14,
        "RPC_S_OUT_OF_MEMORY",
        "Not enough memory resources are available to complete this operation.",
    ),
    (87, "RPC_S_INVALID_ARG", "The parameter is incorrect."),
    (122, "RPC_S_BUFFER_TOO_SMALL", "The data area passed to a system call is too small."),
    (164, "RPC_S_OUT_OF_THREADS", "No more threads can be created in the system."),
    (997, "RPC_S_ASYNC_CALL_PENDING", "Overlapped I/O operation is in progress."),
    (
        1130,
        "RPC_S_SERVER_OUT_OF_MEMORY",
        "Not enough server memory resources are available to process this command.",
    ),
    (1223, "ERROR_CANCELLED", "The operation was canceled by the user."),
    (
        1332,
        "RPC_S_UNKNOWN_PRINCIPAL",
        "No mapping between account names and security IDs was done.",
    ),
    (1460, "RPC_S_TIMEOUT", "This operation returned because the timeout period expired."),
    (1700, "RPC_S_INVALID_STRING_BINDING", "The string binding is invalid."),
    (1701, "RPC_S_WRONG_KIND_OF_BINDING", "The binding handle is not the correct type."),
    (1702, "RPC_S_INVALID_BINDING", "The binding handle is invalid."),
    (1703, "RPC_S_PROTSEQ_NOT_SUPPORTED", "The RPC protocol sequence is not supported."),
    (1704, "RPC_S_INVALID_RPC_PROTSEQ", "The RPC protocol sequence is invalid."),
    (
        1705,
        "RPC_S_INVALID_STRING_UUID",
        "The string universal unique identifier (UUID) is invalid.",
    ),
    (1706, "RPC_S_INVALID_ENDPOINT_FORMAT", "The endpoint format is invalid."),
    (1707, "RPC_S_INVALID_NET_ADDR", "The network address is invalid."),
    (1708, "RPC_S_NO_ENDPOINT_FOUND", "No endpoint was found."),
    (1709, "RPC_S_INVALID_TIMEOUT", "The timeout value is invalid."),
    (
        1710,
        "RPC_S_OBJECT_NOT_FOUND",
        "The object universal unique identifier (UUID) was not found.",
    ),
    (
        1711,
        "RPC_S_ALREADY_REGISTERED",
        "The object universal unique identifier (UUID) has already been registered.",
    ),
    (
        1712,
        "RPC_S_TYPE_ALREADY_REGISTERED",
        "The type universal unique identifier (UUID) has already been registered.",
    ),
    (1713, "RPC_S_ALREADY_LISTENING", "The RPC server is already listening."),
    (1714, "RPC_S_NO_PROTSEQS_REGISTERED", "No protocol sequences have been registered."),
    (1715, "RPC_S_NOT_LISTENING", "The RPC server is not listening."),
    (1716, "RPC_S_UNKNOWN_MGR_TYPE", "The manager type is unknown."),
    (1717, "RPC_S_UNKNOWN_IF", "The interface is unknown."),
    (1718, "RPC_S_NO_BINDINGS", "There are no bindings."),
    (1719, "RPC_S_NO_PROTSEQS", "There are no protocol sequences."),
    (1720, "RPC_S_CANT_CREATE_ENDPOINT", "The endpoint cannot be created."),
    (
        1721,
        "RPC_S_OUT_OF_RESOURCES",
        "Not enough resources are available to complete this operation.",
    ),
    (1722, "RPC_S_SERVER_UNAVAILABLE", "The RPC server is unavailable."),
    (1723, "RPC_S_SERVER_TOO_BUSY", "The RPC server is too busy to complete this operation."),
    (1724, "RPC_S_INVALID_NETWORK_OPTIONS", "The network options are invalid."),
    (1725, "RPC_S_NO_CALL_ACTIVE", "There are no remote procedure calls active on this thread."),
    (1726, "RPC_S_CALL_FAILED", "The remote procedure call failed."),
    (1727, "RPC_S_CALL_FAILED_DNE", "The remote procedure call failed and did not execute."),
    (1728, "RPC_S_PROTOCOL_ERROR", "A remote procedure call (RPC) protocol error occurred."),
    (1729, "RPC_S_PROXY_ACCESS_DENIED", "Access to the HTTP proxy is denied."),
    (
        1730,
        "RPC_S_UNSUPPORTED_TRANS_SYN",
        "The transfer syntax is not supported by the RPC server.",
    ),
    (
        1732,
        "RPC_S_UNSUPPORTED_TYPE",
        "The universal unique identifier (UUID) type is not supported.",
    ),
    (1733, "RPC_X_INVALID_TAG", "The tag is invalid."),
    (1734, "RPC_X_INVALID_BOUND", "The array bounds are invalid."),
    (1735, "RPC_S_NO_ENTRY_NAME", "The binding does not contain an entry name."),
    (1736, "RPC_S_INVALID_NAME_SYNTAX", "The name syntax is invalid."),
    (1737, "RPC_S_UNSUPPORTED_NAME_SYNTAX", "The name syntax is not supported."),
    (
        1739,
        "RPC_S_UUID_NO_ADDRESS",
        "No network address is available to use to construct a universal unique identifier (UUID).",
    ),
    (1740, "RPC_S_DUPLICATE_ENDPOINT", "The endpoint is a duplicate."),
    (1741, "RPC_S_UNKNOWN_AUTHN_TYPE", "The authentication type is unknown."),
    (1742, "RPC_S_MAX_CALLS_TOO_SMALL", "The maximum number of calls is too small."),
    (1743, "RPC_S_STRING_TOO_LONG", "The string is too long."),
    (1744, "RPC_S_PROTSEQ_NOT_FOUND", "The RPC protocol sequence was not found."),
    (1745, "RPC_S_PROCNUM_OUT_OF_RANGE", "The procedure number is out of range."),
    (
        1746,
        "RPC_S_BINDING_HAS_NO_AUTH",
        "The binding does not contain any authentication information.",
    ),
    (1747, "RPC_S_UNKNOWN_AUTHN_SERVICE", "The authentication service is unknown."),
    (1748, "RPC_S_UNKNOWN_AUTHN_LEVEL", "The authentication level is unknown."),
    (1749, "RPC_S_INVALID_AUTH_IDENTITY", "The security context is invalid."),
    (1750, "RPC_S_UNKNOWN_AUTHZ_SERVICE", "The authorization service is unknown."),
    (1751, "EPT_S_INVALID_ENTRY", "The entry is invalid."),
    (1752, "EPT_S_CANT_PERFORM_OP", "The server endpoint cannot perform the operation."),
    (
        1753,
        "EPT_S_NOT_REGISTERED",
        "There are no more endpoints available from the endpoint mapper.",
    ),
    (1754, "RPC_S_NOTHING_TO_EXPORT", "No interfaces have been exported."),
    (1755, "RPC_S_INCOMPLETE_NAME", "The entry name is incomplete."),
    (1756, "RPC_S_INVALID_VERS_OPTION", "The version option is invalid."),
    (1757, "RPC_S_NO_MORE_MEMBERS", "There are no more members."),
    (1758, "RPC_S_NOT_ALL_OBJS_UNEXPORTED", "There is nothing to unexport."),
    (1759, "RPC_S_INTERFACE_NOT_FOUND", "The interface was not found."),
    (1760, "RPC_S_ENTRY_ALREADY_EXISTS", "The entry already exists."),
    (1761, "RPC_S_ENTRY_NOT_FOUND", "The entry is not found."),
    (1762, "RPC_S_NAME_SERVICE_UNAVAILABLE", "The name service is unavailable."),
    (1763, "RPC_S_INVALID_NAF_ID", "The network address family is invalid."),
    (1764, "RPC_S_CANNOT_SUPPORT", "The requested operation is not supported."),
    (
        1765,
        "RPC_S_NO_CONTEXT_AVAILABLE",
        "No security context is available to allow impersonation.",
    ),
    (1766, "RPC_S_INTERNAL_ERROR", "An internal error occurred in a remote procedure call (RPC)."),
    (1767, "RPC_S_ZERO_DIVIDE", "The RPC server attempted an integer division by zero."),
    (1768, "RPC_S_ADDRESS_ERROR", "An addressing error occurred in the RPC server."),
    (
        1769,
        "RPC_S_FP_DIV_ZERO",
        "A floating-point operation at the RPC server caused a division by zero.",
    ),
    (1770, "RPC_S_FP_UNDERFLOW", "A floating-point underflow occurred at the RPC server."),
    (1771, "RPC_S_FP_OVERFLOW", "A floating-point overflow occurred at the RPC server."),
    (
        1772,
        "RPC_X_NO_MORE_ENTRIES",
        "The list of RPC servers available for the binding of auto handles has been exhausted.",
    ),
    (1773, "RPC_X_SS_CHAR_TRANS_OPEN_FAIL", "Unable to open the character translation table file."),
    (
        1774,
        "RPC_X_SS_CHAR_TRANS_SHORT_FILE",
        "The file containing the character translation table has fewer than 512 bytes.",
    ),
    (
        1775,
        "RPC_X_SS_IN_NULL_CONTEXT",
        "A null context handle was passed from the client to the host during a remote "
        "procedure call.",
    ),
    (
        1777,
        "RPC_X_SS_CONTEXT_DAMAGED",
        "The context handle changed during a remote procedure call.",
    ),
    (
        1778,
        "RPC_X_SS_HANDLES_MISMATCH",
        "The binding handles passed to a remote procedure call do not match.",
    ),
    (
        1779,
        "RPC_X_SS_CANNOT_GET_CALL_HANDLE",
        "The stub is unable to get the remote procedure call handle.",
    ),
    (1780, "RPC_X_NULL_REF_POINTER", "A null reference pointer was passed to the stub."),
    (1781, "RPC_X_ENUM_VALUE_OUT_OF_RANGE", "The enumeration value is out of range."),
    (1782, "RPC_X_BYTE_COUNT_TOO_SMALL", "The byte count is too small."),
    (1783, "RPC_X_BAD_STUB_DATA", "The stub received bad data."),
    (
        1784,
        "RPC_X_INVALID_BUFFER",
        "The supplied user buffer is not valid for the requested operation.",
    ),
    (
        1791,
        "RPC_S_CALL_IN_PROGRESS",
        "A remote procedure call is already in progress for this thread.",
    ),
    (1813, "RPC_S_NO_MORE_BINDINGS", "There are no more bindings."),
    (1816, "RPC_S_NOT_ENOUGH_QUOTA", "Not enough quota is available to process this command."),
    (1817, "RPC_S_NO_INTERFACES", "No interfaces have been registered."),
    (1818, "RPC_S_CALL_CANCELLED", "The remote procedure call was cancelled."),
    (
        1819,
        "RPC_S_BINDING_INCOMPLETE",
        "The binding handle does not contain all required information.",
    ),
    (
        1820,
        "RPC_S_COMM_FAILURE",
        "A communications failure occurred during a remote procedure call.",
    ),
    (1821, "RPC_S_UNSUPPORTED_AUTHN_LEVEL", "The requested authentication level is not supported."),
    (1822, "RPC_S_NO_PRINC_NAME", "No principal name registered."),
    (1823, "RPC_S_NOT_RPC_ERROR", "The error specified is not a valid Windows RPC error code."),
    (
        1824,
        "RPC_S_UUID_LOCAL_ONLY",
        "A UUID that is valid only on this computer has been allocated.",
    ),
    (1825, "RPC_S_SEC_PKG_ERROR", "A security package specific error occurred."),
    (1826, "RPC_S_NOT_CANCELLED", "Thread is not canceled."),
    (1827, "RPC_X_INVALID_ES_ACTION", "Invalid operation on the encoding/decoding handle."),
    (1828, "RPC_X_WRONG_ES_VERSION", "Incompatible version of the serializing package."),
    (1829, "RPC_X_WRONG_STUB_VERSION", "Incompatible version of the RPC stub."),
    (1830, "RPC_X_INVALID_PIPE_OBJECT", "The RPC pipe object is invalid or corrupted."),
    (1831, "RPC_X_WRONG_PIPE_ORDER", "An invalid operation was attempted on an RPC pipe object."),
    (1832, "RPC_X_WRONG_PIPE_VERSION", "Unsupported RPC pipe version."),
    (1898, "RPC_S_GROUP_MEMBER_NOT_FOUND", "The group member was not found."),
    (1899, "EPT_S_CANT_CREATE", "The endpoint mapper database entry could not be created."),
    (
        1900,
        "RPC_S_INVALID_OBJECT",
        "The object universal unique identifier (UUID) is the nil UUID.",
    ),
    (1913, "RPC_S_SEND_INCOMPLETE", "Some data remains to be sent in the request buffer."),
    (1914, "RPC_S_INVALID_ASYNC_HANDLE", "Invalid asynchronous remote procedure call handle."),
    (1915, "RPC_S_INVALID_ASYNC_CALL", "Invalid asynchronous RPC call handle for this operation."),
    (1916, "RPC_X_PIPE_CLOSED", "The RPC pipe object has already been closed."),
    (
        1917,
        "RPC_X_PIPE_DISCIPLINE_ERROR",
        "The RPC call completed before all pipes were processed.",
    ),
    (1918, "RPC_X_PIPE_EMPTY", "No more data is available from the RPC pipe."),
)

_NAMES: dict[int, str] = {code: name for code, name, _ in _TABLE}
_MESSAGES: dict[int, str] = {code: message for code, _, message in _TABLE}

RPC_S_OK = 0
RPC_S_ACCESS_DENIED = 5
ERROR_INVALID_HANDLE = 6
RPC_X_SS_CONTEXT_MISMATCH = 6
ERROR_NOT_ENOUGH_MEMORY = 8
RPC_S_OUT_OF_MEMORY = 14
RPC_X_NO_MEMORY = 14
RPC_S_INVALID_ARG = 87
ERROR_INVALID_PARAMETER = 87
RPC_S_INVALID_LEVEL = 87
RPC_S_BUFFER_TOO_SMALL = 122
RPC_S_OUT_OF_THREADS = 164
RPC_S_ASYNC_CALL_PENDING = 997
ERROR_IO_PENDING = 997
RPC_S_SERVER_OUT_OF_MEMORY = 1130
ERROR_CANCELLED = 1223
RPC_S_UNKNOWN_PRINCIPAL = 1332
RPC_S_TIMEOUT = 1460
ERROR_TIMEOUT = 1460
RPC_S_INVALID_STRING_BINDING = 1700
RPC_S_WRONG_KIND_OF_BINDING = 1701
RPC_S_INVALID_BINDING = 1702
RPC_S_PROTSEQ_NOT_SUPPORTED = 1703
RPC_S_INVALID_RPC_PROTSEQ = 1704
RPC_S_INVALID_STRING_UUID = 1705
RPC_S_INVALID_ENDPOINT_FORMAT = 1706
RPC_S_INVALID_NET_ADDR = 1707
RPC_S_NO_ENDPOINT_FOUND = 1708
RPC_S_INVALID_TIMEOUT = 1709
RPC_S_OBJECT_NOT_FOUND = 1710
RPC_S_ALREADY_REGISTERED = 1711
RPC_S_TYPE_ALREADY_REGISTERED = 1712
RPC_S_ALREADY_LISTENING = 1713
RPC_S_NO_PROTSEQS_REGISTERED = 1714
RPC_S_NOT_LISTENING = 1715
RPC_S_UNKNOWN_MGR_TYPE = 1716
RPC_S_UNKNOWN_IF = 1717
RPC_S_NO_BINDINGS = 1718
RPC_S_NO_PROTSEQS = 1719
RPC_S_CANT_CREATE_ENDPOINT = 1720
RPC_S_OUT_OF_RESOURCES = 1721
RPC_S_SERVER_UNAVAILABLE = 1722
RPC_S_SERVER_TOO_BUSY = 1723
RPC_S_INVALID_NETWORK_OPTIONS = 1724
RPC_S_NO_CALL_ACTIVE = 1725
RPC_S_CALL_FAILED = 1726
RPC_S_CALL_FAILED_DNE = 1727
RPC_S_PROTOCOL_ERROR = 1728
RPC_S_PROXY_ACCESS_DENIED = 1729
RPC_S_UNSUPPORTED_TRANS_SYN = 1730
RPC_S_UNSUPPORTED_TYPE = 1732
RPC_S_INVALID_TAG = 1733
RPC_X_INVALID_TAG = 1733
RPC_S_INVALID_BOUND = 1734
RPC_X_INVALID_BOUND = 1734
RPC_S_NO_ENTRY_NAME = 1735
RPC_S_INVALID_NAME_SYNTAX = 1736
RPC_S_UNSUPPORTED_NAME_SYNTAX = 1737
RPC_S_UUID_NO_ADDRESS = 1739
RPC_S_DUPLICATE_ENDPOINT = 1740
RPC_S_UNKNOWN_AUTHN_TYPE = 1741
RPC_S_MAX_CALLS_TOO_SMALL = 1742
RPC_S_STRING_TOO_LONG = 1743
RPC_S_PROTSEQ_NOT_FOUND = 1744
RPC_S_PROCNUM_OUT_OF_RANGE = 1745
RPC_S_BINDING_HAS_NO_AUTH = 1746
RPC_S_UNKNOWN_AUTHN_SERVICE = 1747
RPC_S_UNKNOWN_AUTHN_LEVEL = 1748
RPC_S_INVALID_AUTH_IDENTITY = 1749
RPC_S_UNKNOWN_AUTHZ_SERVICE = 1750
EPT_S_INVALID_ENTRY = 1751
EPT_S_CANT_PERFORM_OP = 1752
EPT_S_NOT_REGISTERED = 1753
RPC_S_NOTHING_TO_EXPORT = 1754
RPC_S_INCOMPLETE_NAME = 1755
RPC_S_INVALID_VERS_OPTION = 1756
RPC_S_NO_MORE_MEMBERS = 1757
RPC_S_NOT_ALL_OBJS_UNEXPORTED = 1758
RPC_S_INTERFACE_NOT_FOUND = 1759
RPC_S_ENTRY_ALREADY_EXISTS = 1760
RPC_S_ENTRY_NOT_FOUND = 1761
RPC_S_NAME_SERVICE_UNAVAILABLE = 1762
RPC_S_INVALID_NAF_ID = 1763
RPC_S_CANNOT_SUPPORT = 1764
RPC_S_NO_CONTEXT_AVAILABLE = 1765
RPC_S_INTERNAL_ERROR = 1766
RPC_S_ZERO_DIVIDE = 1767
RPC_S_ADDRESS_ERROR = 1768
RPC_S_FP_DIV_ZERO = 1769
RPC_S_FP_UNDERFLOW = 1770
RPC_S_FP_OVERFLOW = 1771
RPC_X_NO_MORE_ENTRIES = 1772
RPC_X_SS_CHAR_TRANS_OPEN_FAIL = 1773
RPC_X_SS_CHAR_TRANS_SHORT_FILE = 1774
RPC_X_SS_IN_NULL_CONTEXT = 1775
RPC_X_SS_CONTEXT_DAMAGED = 1777
RPC_X_SS_HANDLES_MISMATCH = 1778
RPC_X_SS_CANNOT_GET_CALL_HANDLE = 1779
RPC_X_NULL_REF_POINTER = 1780
RPC_X_ENUM_VALUE_OUT_OF_RANGE = 1781
RPC_X_ENUM_VALUE_TOO_LARGE = 1781
RPC_X_BYTE_COUNT_TOO_SMALL = 1782
RPC_X_BAD_STUB_DATA = 1783
RPC_X_INVALID_BUFFER = 1784
ERROR_INVALID_USER_BUFFER = 1784
RPC_S_CALL_IN_PROGRESS = 1791
RPC_S_NO_MORE_BINDINGS = 1813
RPC_S_NOT_ENOUGH_QUOTA = 1816
RPC_S_NO_INTERFACES = 1817
RPC_S_CALL_CANCELLED = 1818
RPC_S_BINDING_INCOMPLETE = 1819
RPC_S_COMM_FAILURE = 1820
RPC_S_UNSUPPORTED_AUTHN_LEVEL = 1821
RPC_S_NO_PRINC_NAME = 1822
RPC_S_NOT_RPC_ERROR = 1823
RPC_S_UUID_LOCAL_ONLY = 1824
RPC_S_SEC_PKG_ERROR = 1825
RPC_S_NOT_CANCELLED = 1826
RPC_X_INVALID_ES_ACTION = 1827
RPC_X_WRONG_ES_VERSION = 1828
RPC_X_WRONG_STUB_VERSION = 1829
RPC_X_INVALID_PIPE_OBJECT = 1830
RPC_X_WRONG_PIPE_ORDER = 1831
RPC_X_INVALID_PIPE_OPERATION = 1831
RPC_X_WRONG_PIPE_VERSION = 1832
RPC_S_GROUP_MEMBER_NOT_FOUND = 1898
EPT_S_CANT_CREATE = 1899
RPC_S_INVALID_OBJECT = 1900
RPC_S_SEND_INCOMPLETE = 1913
RPC_S_INVALID_ASYNC_HANDLE = 1914
RPC_S_INVALID_ASYNC_CALL = 1915
RPC_X_PIPE_CLOSED = 1916
RPC_X_PIPE_DISCIPLINE_ERROR = 1917
RPC_X_PIPE_EMPTY = 1918


def name_of(code: int) -> str:
    """The preferred MS name of ``code``; ``RPC_STATUS_<code>`` for a code not in the table."""
    name = _NAMES.get(code)
    return name if name is not None else f"RPC_STATUS_{code}"


def message_of(code: int) -> str:
    """The Windows message text of ``code`` (a generic text for a code not in the table)."""
    message = _MESSAGES.get(code)
    return message if message is not None else f"{_hex_code(code)} (application-defined)"


def _hex_code(code: int) -> str:
    """``code`` as Windows prints a status: 32-bit hex, ``0x00003001`` (a negative code, an
    HRESULT, as its unsigned form)."""
    return f"0x{code & 0xFFFFFFFF:08X}" if -(2**31) <= code < 2**32 else hex(code)


def is_known(code: int) -> bool:
    """Whether ``code`` is in the table."""
    return code in _NAMES
