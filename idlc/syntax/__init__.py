"""Stage 2, parse: preprocessed text to the syntax tree (``ast``), by the one LALR grammar.

``grammar/midl.lark`` is the grammar; ``tables`` builds its LALR tables with Lark (once, then
cached on disk); ``lexer`` splits the text into tokens; ``lalr`` runs the tables and calls the
grammar actions of ``actions``, which build the tree (``actions_base`` holds the state they
share); ``errors`` turns a syntax error into words; ``parser`` ties them together for the rest
of the compiler.
"""
