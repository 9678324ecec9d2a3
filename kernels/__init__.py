"""Fused kernels on plain tensors/arrays: ResWarp (``triton_reswarp`` on CUDA; ``cpu`` on the CPU,
running ``avx512``'s C rows where the CPU has AVX-512, else Numba), and the CPU frame plumbing
around it — the face crop cut into planes (``crop``), the paste-back (``paste``) and recycled
full-resolution buffers (``buffers``).

Imports nothing of ``atw_ofx``: the dispatcher beside the pure-torch reference
(:func:`atw_ofx.reswarp.reswarp`, ``impl=``) imports these lazily and falls back to the reference.
"""
