"""The Python backend: the IR of one module to the text of one generated Python module.

Jinja templates (``templates/``) write the fixed shapes of the code: ``module.py.j2`` the
banner, docstring and imports, ``_types.py.j2`` constants, enums, dataclasses and aliases,
``_interface.py.j2`` an interface's result and handle classes, specs, clients, manager and
callback classes, and ``_macros.py.j2`` the shapes written more than once (a client class, a
routine). The modules here give
them names, annotations and flags, and write the one part that is code text, the straight-line
marshalling functions, whose shape follows the types:

- ``render``: runs the templates over the view and lays out the text (entry: ``generate``);
- ``module_view``: the view of one module, its interfaces and procedures;
- ``declarations``: views of constants, enums, records and aliases, and their codecs;
- ``procedures``: one procedure's marshalling functions;
- ``pipes``: a pipe type's chunk codecs, and the view of a procedure's pipe parameters;
- ``conversions``: the checks and conversions of one value of one type (``Marshaller``);
- ``typeinfo``: what a type is, seen from the module: declarations, annotations, predicates;
- ``memo``: views kept across the modules of one process;
- ``filters``: the pure filters templates call (a def line, a tuple display, literals);
- ``layout``: lines laid out as ``ruff format`` would.
"""
