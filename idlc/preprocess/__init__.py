"""Stage 1, preprocess: MIDL's C preprocessor step, text in and text out.

``preprocessor`` runs the directives (``#include``, ``#define``, ``#if``...) over the tokens of
``tokens`` and the macro expansion of ``macros``; ``expr`` evaluates ``#if`` expressions. The
result (``sourcemap.Preprocessed``) keeps a map from every output position back to its file and
line, for diagnostics.
"""
