"""The Python backend: the IR of one module to the text of one generated Python module.

``module_view`` builds the view the Jinja templates (``templates/``) render, from the views of
``declarations`` (records, enums, unions, aliases and their codecs) and ``procedures`` (each
procedure's marshalling functions); ``conversions`` writes the straight-line checks and
conversions of one value of one type; ``layout`` formats lines as ``ruff format`` would;
``memo`` keeps views across the modules of one process; ``render`` runs the templates.
"""
