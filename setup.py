"""The one compiled piece: the AVX-512 ResWarp rows (kernels/avx512.c, see kernels/avx512.py).

Everything else is in pyproject.toml. The build is optional: without a C compiler with OpenMP
the install goes on and the Numba kernel, which computes the same result, runs instead.
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("kernels._avx512", ["kernels/avx512.c"],
                             extra_compile_args=["-O3", "-fopenmp"],
                             extra_link_args=["-fopenmp"], optional=True)])
