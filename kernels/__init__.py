"""Fused ResWarp kernels (Triton on CUDA, a CPU path) on plain tensors.

Imports nothing of ``atw_ofx``; ``atw_ofx.reswarp`` holds the pure-torch reference these kernels
are checked against and falls back to. (Kernels land with the kernels issue; until then the
reference is the only implementation.)
"""
