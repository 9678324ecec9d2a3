"""Benchmarks behind ``atw bench``: ResWarp speed and memory, whole-frame render, fidelity.

Each prints ratios against baselines measured in the same run and writes its records to a JSON
file (``benchmarks/results/`` in the repository holds the committed ones).
"""
