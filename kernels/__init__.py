"""Fused ResWarp kernels on plain tensors/arrays (a CPU path now; Triton on CUDA to come).

Imports nothing of ``atw_ofx``: the dispatcher beside the pure-torch reference
(:func:`atw_ofx.reswarp.reswarp`, ``impl=``) imports these lazily and falls back to the reference.
"""
