"""Output buffers: aligned, and recycled only once nothing refers to them."""
import sys

import numpy as np
import torch

from kernels import buffers

LARGE_SHAPE = (3, 1080, 1920)  # 24 MB: on huge pages, recycled


def test_buffers_are_aligned_contiguous_float32():
    small, large = buffers.empty((3, 5, 7)), buffers.empty(LARGE_SHAPE)
    for array, align in ((small, 64), (large, 2 * 1024 * 1024)):
        assert array.dtype == np.float32 and array.flags.c_contiguous and array.flags.writeable
        assert array.ctypes.data % align == 0
    assert small.shape == (3, 5, 7) and large.shape == LARGE_SHAPE


def test_a_released_buffer_is_handed_out_again_and_a_held_one_never():
    first = buffers.empty(LARGE_SHAPE)
    address = first.ctypes.data
    held = torch.from_numpy(buffers.empty(LARGE_SHAPE))[1]  # only a tensor view left
    second = buffers.empty(LARGE_SHAPE)
    assert len({address, held.data_ptr(), second.ctypes.data}) == 3
    held.fill_(7.0)
    del first  # released: the next request of its size (or up to half of it) reuses it
    again = buffers.empty((3, 1000, 1920))
    assert again.ctypes.data == address
    again.fill(0.0)
    assert bool((held == 7.0).all())  # the held buffer was never handed out
    assert buffers.empty(LARGE_SHAPE).ctypes.data not in (address, held.data_ptr(),
                                                          second.ctypes.data)


def test_at_most_keep_released_buffers_stay():
    arrays = [buffers.empty(LARGE_SHAPE) for _ in range(buffers.KEEP + 3)]
    del arrays
    buffers.empty((3, 100, 100))  # small: never recycled, but trims nothing either
    buffers.empty((3, 2000, 4000))  # large, fits none: trims the released ones to KEEP
    # Released: only the module's list refers to it (and getrefcount's argument).
    kept = buffers._buffers
    released = [k for k in range(len(kept)) if sys.getrefcount(kept[k]) == 2]
    assert len(released) == buffers.KEEP + 1  # + the one just allocated and dropped
