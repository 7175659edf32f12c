"""The RPC and compiler benchmarks: ``python -m bench`` (see docs/performance.md).

Every network scenario runs its server and its client in two fresh processes on 127.0.0.1;
``bench.run`` starts them, interleaves the systems, repeats, and prints and saves the table.
"""
