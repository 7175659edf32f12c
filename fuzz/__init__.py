"""Tools that attack or load the code they live with, bounded by count and time.

``fuzz.connmem`` measures what an idle connection costs, ``fuzz.soak`` runs mixed traffic
against a server process and samples its RSS (docs/reliability.md).
"""
