"""The NDR20 backend: the IR of one module to the NDR20 (DCE/RPC) codecs of its types and
procedures, a section of the same generated module as the msgpack codecs (``_ndr.py.j2``).

Layout is decided once per type, as Samba's pidl does (``model``), then written as straight-line
Python per type and per procedure, with precompiled ``struct.Struct`` runs; the generated code
calls ``idlrt.wire.ndr`` for strings, counts and errors:

- ``section``: the whole section of one module, and its warnings (entry: ``build``);
- ``records``: an enum's table, a structure's or union's functions;
- ``procedures``: a procedure's request and response, for both sides;
- ``encode`` / ``decode``: the code of one value, each direction;
- ``context``: what the writers of one module share, and the problems found;
- ``serialization``: ``<Type>_encode``/``<Type>_decode``, for types the ACF serializes;
- ``pipes``: a pipe type's chunk codecs (the elements of a chunk);
- ``model``: the NDR model of a type (kind, alignment, size, deferred parts);
- ``emit``: the lines of one function, the alignment known, the run being gathered.
"""
