"""The conventions every ATW module shares, stated once (ARCHITECTURE §2).

**Images.** float32 (float16 only at I/O), top-left origin, y down. numpy ``H×W×C`` at the I/O
boundary, torch ``N×C×H×W`` inside. Pixel ``(i, j)`` (row, column) has its centre at the continuous
position ``(x, y) = (j + 0.5, i + 0.5)``.

**Motion field.** A *backward* map in **pixels of the image it belongs to**::

    out(x, y) = in(x + F_x(x, y), y + F_y(x, y))

stored as a torch tensor ``N×2×H×W`` (channel 0 = x, channel 1 = y). Resizing a field from
``w×h`` to ``W×H`` multiplies ``F_x`` by ``W/w`` and ``F_y`` by ``H/h``. :class:`MotionField` wraps
such a tensor and converts it to and from the other conventions in use:

- ``grid_sample`` grids (``N×H×W×2``, normalised to [-1, 1], x first), for either value of
  ``align_corners`` — always passed explicitly;
- Nuke IDistort offsets (pixel offsets, **y up**, so ``v = -F_y``);
- STMaps (absolute normalised source positions ``s, t`` in 0..1, origin **bottom-left**).

**Action Units.** 17 intensities in OpenFace order (:data:`AU_NAMES`), 0–5 at every interface.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

# The AU vocabulary lives in a module without torch, so host plugins can import it.
from .facs import AU_FACS_NAMES, AU_NAMES, AU_RANGE  # noqa: E402,F401
from .filters import KEYS_A, OVERSHOOT, RADIUS, check_filter


def check_shape(tensor: torch.Tensor, dims: str, name: str = "tensor") -> None:
    """Raise ``ValueError`` unless ``tensor`` has the named dimensions.

    ``dims`` is a space-separated list of names or integers, e.g. ``"N 2 H W"``; integers must
    match exactly, names match anything. Use at public boundaries only, never in hot loops.

    >>> check_shape(torch.zeros(1, 2, 4, 5), "N 2 H W", "flow")
    >>> check_shape(torch.zeros(1, 3, 4, 5), "N 2 H W", "flow")
    Traceback (most recent call last):
    ...
    ValueError: flow: got shape (1, 3, 4, 5), expected (N, 2, H, W)
    """
    expected = dims.split()
    shape = tuple(tensor.shape)
    ok = len(shape) == len(expected) and all(
        not d.isdigit() or int(d) == s for d, s in zip(expected, shape)
    )
    if not ok:
        raise ValueError(f"{name}: got shape {shape}, expected ({', '.join(expected)})")


def sample_bilinear(image: torch.Tensor, x_idx: torch.Tensor, y_idx: torch.Tensor) -> torch.Tensor:
    """Bilinearly sample ``image`` at index-space positions, with border (edge-clamp) padding.

    Convention: ``image`` is ``N×C×H×W``; ``x_idx``/``y_idx`` are ``N×H'×W'`` positions in *index*
    space, where pixel ``(i, j)`` sits at ``(x, y) = (j, i)`` — i.e. the continuous position minus
    0.5. Returns ``N×C×H'×W'`` in ``image``'s dtype.

    Works in pixel units rather than through ``grid_sample``'s normalised grid so that an integer
    offset lands exactly on a pixel (no normalise/un-normalise rounding): integer shifts reproduce
    the shifted image bit-exactly, at any resolution.
    """
    n, c, h, w = image.shape
    x = x_idx.clamp(0, w - 1)
    y = y_idx.clamp(0, h - 1)
    x0 = x.floor()
    y0 = y.floor()
    wx = (x - x0).to(image.dtype).unsqueeze(1)
    wy = (y - y0).to(image.dtype).unsqueeze(1)
    x0 = x0.long()
    y0 = y0.long()
    x1 = (x0 + 1).clamp(max=w - 1)
    y1 = (y0 + 1).clamp(max=h - 1)
    flat = image.reshape(n, c, h * w)

    def gather(yy: torch.Tensor, xx: torch.Tensor) -> torch.Tensor:
        index = (yy * w + xx).reshape(n, 1, -1).expand(n, c, -1)
        return flat.gather(2, index).reshape(n, c, *x_idx.shape[1:])

    # lerp returns its start exactly at weight 0 and its end exactly at weight 1.
    top = torch.lerp(gather(y0, x0), gather(y0, x1), wx)
    bottom = torch.lerp(gather(y1, x0), gather(y1, x1), wx)
    return torch.lerp(top, bottom, wy)


def keys(d: torch.Tensor) -> torch.Tensor:
    """Keys' cubic convolution kernel (``a`` = :data:`KEYS_A`) at distances ``d`` (any shape)."""
    a, d = KEYS_A, d.abs()
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return torch.where(d < 1, near, torch.where(d < 2, far, torch.zeros_like(d)))


def lanczos3(d: torch.Tensor) -> torch.Tensor:
    """The Lanczos-3 window ``sinc(d)·sinc(d/3)`` at distances ``d`` (0 beyond 3)."""
    return torch.where(d.abs() < 3, torch.sinc(d) * torch.sinc(d / 3), torch.zeros_like(d))


def tap_weights(name: str, frac: torch.Tensor) -> list[torch.Tensor]:
    """Weights of the taps ``k = 1 − r … r`` (``r`` = RADIUS) at fractional offsets ``frac``.

    ``frac`` in [0, 1) is the sample's distance past the tap ``k = 0``; each weight has its
    shape. Computed in float64 and returned in ``frac``'s dtype.
    """
    r = RADIUS[check_filter(name)]
    f = frac.double()
    if name == "bilinear":
        raw = [1 - f, f]
    else:
        kernel = keys if name == "cubic" else lanczos3
        raw = [kernel(f - k) for k in range(1 - r, r + 1)]
    total = sum(raw)
    return [(w / total).to(frac.dtype) for w in raw]


def sample_filtered(image: torch.Tensor, x_idx: torch.Tensor, y_idx: torch.Tensor,
                    name: str, *, residual: bool = False) -> torch.Tensor:
    """Sample ``image`` at index-space positions with ``name`` (:mod:`atw_ofx.filters`).

    Args:
        image: ``N×C×H×W`` float.
        x_idx, y_idx: ``N×H'×W'`` positions in index space (pixel ``(i, j)`` at ``(j, i)``).
        name: ``"cubic"`` or ``"lanczos"`` (bilinear is ``conventions.sample_bilinear``).
        residual: ``image`` is a signed residual (ResWarp's paper formulation): the sample is not
            floored at zero where its footprint is positive (:mod:`atw_ofx.filters`).

    Returns:
        ``N×C×H'×W'`` in ``image``'s dtype: the filtered sample held near its 2×2 footprint's
        range (:data:`atw_ofx.filters.OVERSHOOT`).
    """
    n, c, h, w = image.shape
    r = RADIUS[check_filter(name)]
    x = x_idx.clamp(0, w - 1)
    y = y_idx.clamp(0, h - 1)
    x0, y0 = x.floor(), y.floor()
    fx, fy = x - x0, y - y0
    x0, y0 = x0.long(), y0.long()
    flat = image.reshape(n, c, h * w)

    def gather(yy: torch.Tensor, xx: torch.Tensor) -> torch.Tensor:
        index = (yy * w + xx).reshape(n, 1, -1).expand(n, c, -1)
        return flat.gather(2, index).reshape(n, c, *x_idx.shape[1:])

    columns = [(x0 + k).clamp(0, w - 1) for k in range(1 - r, r + 1)]
    rows = [(y0 + k).clamp(0, h - 1) for k in range(1 - r, r + 1)]
    wx = [weight.to(image.dtype).unsqueeze(1) for weight in tap_weights(name, fx)]
    wy = [weight.to(image.dtype).unsqueeze(1) for weight in tap_weights(name, fy)]
    x_whole, y_whole = (fx == 0).unsqueeze(1), (fy == 0).unsqueeze(1)
    centre = r - 1  # the tap k = 0
    value = None
    for row, weight_y in zip(rows, wy):
        across = sum(weight_x * gather(row, column) for column, weight_x in zip(columns, wx))
        across = torch.where(x_whole, gather(row, columns[centre]), across)
        value = weight_y * across if value is None else value + weight_y * across
        if row is rows[centre]:
            centre_row = across
    value = torch.where(y_whole, centre_row, value)
    # The 2×2 footprint: the tap under the sample and its right/down neighbours, also where a
    # fraction is zero (the bound then holds the tap itself, and stays continuous as the
    # fraction reaches zero).
    x1, y1 = columns[centre + 1], rows[centre + 1]
    corners = gather(y0, x0), gather(y0, x1), gather(y1, x0), gather(y1, x1)
    low = torch.minimum(torch.minimum(corners[0], corners[1]), torch.minimum(*corners[2:]))
    high = torch.maximum(torch.maximum(corners[0], corners[1]), torch.maximum(*corners[2:]))
    slack = OVERSHOOT * (high - low)
    floor = low - slack
    if not residual:
        floor = torch.where(low >= 0, torch.clamp(floor, min=0.0), floor)
    ceiling = high + slack
    # Comparisons, not min/max: they leave a -0.0 tap as it is (and a NaN sum NaN).
    value = torch.where(value < floor, floor, torch.where(value > ceiling, ceiling, value))
    ax, ay = fx.to(image.dtype).unsqueeze(1), fy.to(image.dtype).unsqueeze(1)
    bilinear = torch.lerp(torch.lerp(corners[0], corners[1], ax),
                          torch.lerp(corners[2], corners[3], ax), ay)
    return torch.where(torch.isnan(value), bilinear, value)


def pixel_index_grid(n: int, h: int, w: int, *, device=None, dtype=torch.float32):
    """Index-space coordinates ``(x, y)``, each ``N×H×W``: ``x[.., i, j] = j``, ``y[.., i, j] = i``."""
    ys = torch.arange(h, device=device, dtype=dtype)
    xs = torch.arange(w, device=device, dtype=dtype)
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    return x.expand(n, h, w), y.expand(n, h, w)


@dataclass(frozen=True)
class MotionField:
    """A backward motion field in pixels of its own grid (see the module docstring).

    Attributes:
        px: ``N×2×H×W`` float tensor; channel 0 = x offset, channel 1 = y offset (y down).
    """

    px: torch.Tensor

    def __post_init__(self) -> None:
        check_shape(self.px, "N 2 H W", "MotionField.px")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def zeros(cls, n: int, h: int, w: int, *, device=None, dtype=torch.float32) -> "MotionField":
        return cls(torch.zeros(n, 2, h, w, device=device, dtype=dtype))

    @property
    def size(self) -> tuple[int, int]:
        """``(H, W)`` of the grid the field lives on."""
        return int(self.px.shape[-2]), int(self.px.shape[-1])

    def is_zero(self) -> bool:
        return not bool(self.px.any())

    # -- resampling -----------------------------------------------------------------------------
    def resized(self, h: int, w: int) -> "MotionField":
        """The field on an ``h×w`` grid: bilinear (half-pixel centres, ``align_corners=False``,
        edge clamp), offsets rescaled by ``w/W`` and ``h/H`` so they stay in pixels of the new grid.

        >>> f = MotionField(torch.ones(1, 2, 4, 8))
        >>> f.resized(8, 32).px[0, :, 0, 0].tolist()
        [4.0, 2.0]
        """
        src_h, src_w = self.size
        if (h, w) == (src_h, src_w):
            return self
        up = F.interpolate(self.px, size=(h, w), mode="bilinear", align_corners=False)
        scale = torch.tensor([w / src_w, h / src_h], dtype=up.dtype, device=up.device)
        return MotionField(up * scale.view(1, 2, 1, 1))

    def warp(self, image: torch.Tensor, filter: str = "bilinear", *,
             residual: bool = False) -> torch.Tensor:
        """``out(x, y) = image(x + F_x, y + F_y)``: sampled with ``filter``, border padding.

        ``image`` is ``N×C×H×W`` on the field's grid; ``filter`` is one of
        :data:`atw_ofx.filters.FILTERS`. Zero offsets and integer offsets reproduce pixels
        exactly (see :func:`sample_bilinear` and :mod:`atw_ofx.filters`). ``residual``: the
        image is signed (:func:`sample_filtered`).
        """
        check_shape(image, f"{self.px.shape[0]} C {self.size[0]} {self.size[1]}", "image")
        n, _, h, w = image.shape
        x, y = pixel_index_grid(n, h, w, device=image.device, dtype=self.px.dtype)
        if check_filter(filter) == "bilinear":
            return sample_bilinear(image, x + self.px[:, 0], y + self.px[:, 1])
        return sample_filtered(image, x + self.px[:, 0], y + self.px[:, 1], filter,
                               residual=residual)

    # -- grid_sample grids ----------------------------------------------------------------------
    def to_grid(self, *, align_corners: bool) -> torch.Tensor:
        """``N×H×W×2`` grid for ``grid_sample(image, grid, align_corners=align_corners)``.

        With ``align_corners=False`` -1/+1 are the outer *edges* of the border pixels
        (``x_norm = 2·x_cont/W − 1``); with ``True`` they are the border pixel *centres*
        (``x_norm = 2·x_idx/(W − 1) − 1``; a 1-pixel axis maps to 0).
        """
        n, _, h, w = self.px.shape
        x, y = pixel_index_grid(n, h, w, device=self.px.device, dtype=self.px.dtype)
        x = x + self.px[:, 0]
        y = y + self.px[:, 1]
        if align_corners:
            gx = 2 * x / max(w - 1, 1) - 1
            gy = 2 * y / max(h - 1, 1) - 1
        else:
            gx = (2 * x + 1) / w - 1
            gy = (2 * y + 1) / h - 1
        return torch.stack((gx, gy), dim=-1)

    @classmethod
    def from_grid(cls, grid_norm: torch.Tensor, *, align_corners: bool) -> "MotionField":
        """Inverse of :meth:`to_grid`; ``grid_norm`` is ``N×H×W×2`` (x first)."""
        check_shape(grid_norm, "N H W 2", "grid_norm")
        n, h, w, _ = grid_norm.shape
        gx, gy = grid_norm[..., 0], grid_norm[..., 1]
        if align_corners:
            x = (gx + 1) * max(w - 1, 1) / 2
            y = (gy + 1) * max(h - 1, 1) / 2
        else:
            x = ((gx + 1) * w - 1) / 2
            y = ((gy + 1) * h - 1) / 2
        x0, y0 = pixel_index_grid(n, h, w, device=grid_norm.device, dtype=grid_norm.dtype)
        return cls(torch.stack((x - x0, y - y0), dim=1))

    # -- Nuke IDistort --------------------------------------------------------------------------
    def to_idistort(self) -> torch.Tensor:
        """``N×2×H×W`` (u, v) offsets for Nuke's IDistort: pixels, **y up**, so ``v = -F_y``.

        Rows stay in this module's top-down order; the y flip is only in the sign of v (Nuke's
        EXR reader flips rows itself).
        """
        return torch.stack((self.px[:, 0], -self.px[:, 1]), dim=1)

    @classmethod
    def from_idistort(cls, uv: torch.Tensor) -> "MotionField":
        check_shape(uv, "N 2 H W", "uv")
        return cls(torch.stack((uv[:, 0], -uv[:, 1]), dim=1))

    # -- STMap ----------------------------------------------------------------------------------
    def to_stmap(self) -> torch.Tensor:
        """``N×2×H×W`` (s, t): absolute normalised source positions, origin bottom-left.

        ``s = (j + 0.5 + F_x) / W`` and ``t = 1 − (i + 0.5 + F_y) / H`` for output pixel ``(i, j)``;
        an identity field gives the classic ramp with pixel centres at ``(j + 0.5)/W``.
        """
        n, _, h, w = self.px.shape
        x, y = pixel_index_grid(n, h, w, device=self.px.device, dtype=self.px.dtype)
        s = (x + 0.5 + self.px[:, 0]) / w
        t = 1 - (y + 0.5 + self.px[:, 1]) / h
        return torch.stack((s, t), dim=1)

    @classmethod
    def from_stmap(cls, st: torch.Tensor) -> "MotionField":
        check_shape(st, "N 2 H W", "st")
        n, _, h, w = st.shape
        x, y = pixel_index_grid(n, h, w, device=st.device, dtype=st.dtype)
        fx = st[:, 0] * w - 0.5 - x
        fy = (1 - st[:, 1]) * h - 0.5 - y
        return cls(torch.stack((fx, fy), dim=1))
