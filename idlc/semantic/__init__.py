"""Stage 3, lower and check: the syntax tree of one file to the IR, with MIDL's semantic rules.

``lower`` walks a file's declarations and hands each construct to its lowerer (``typeshapes``
for types and attributes, ``records`` for structs, unions and enums, ``values`` for constants
and attribute expressions, evaluated by ``constexpr``); ``forward`` lowers typedefs used before
their definition and the [MS-DTYP] names of ``wellknown/``; ``acf`` merges the ACF; ``checks``
applies the rules that need the whole module.
"""
