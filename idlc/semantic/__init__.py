"""Stage 3, lower and check: the syntax tree of one file to the IR, with MIDL's semantic rules.

``lower`` builds one lowerer per construct, each handed the objects it needs, and walks the
file's declarations: ``symbols`` is the symbol table (the file's names in front of its imports');
``values`` lowers constant and attribute expressions, evaluated by ``constexpr``;
``typeshapes`` shapes types from specifiers, declarators and attributes; ``records`` lowers
struct, union and enum bodies; ``declarations`` lowers typedefs, constants and bare
declarations; ``forward`` notes what a file declares further down and lowers it out of turn
where it is used first, as it does the [MS-DTYP] names of ``wellknown/``; ``interfaces``
lowers interfaces and their procedures ([callback] ones included). ``acf`` merges the ACF;
``checks`` applies the rules that need the whole module, and holds the rules of pipes, which
``typeshapes`` and ``interfaces`` apply as they lower.
"""
