"""The ATW generator G(I, c) → (O^r, O^w, f) and its discriminators (paper §3, spec §1–2).

G = Motion Net (``encoding`` + ``flow_pred``: image and driving vector → a tanh motion field)
→ warp → Refinement Net (``refine``: the warped face only → refined face). Attribute names follow
the authors' code so their released state dicts load key for key (spec §1.4).

Shapes: images ``B×3×R×R`` in the model's display encoding, [-1, 1] (R = 128); the driving vector
``B×d`` (17 AU intensities scaled by ``au_scale``, or a one-hot class). The field ``f`` is the
Motion Net's tanh output, ``B×2×R×R`` (x, y), in *normalised* units: a backward offset of
``coef_flow · f · (R − 1)`` pixels (``align_corners=True`` grid convention, spec §1.2).

Deviations from the paper, where they happen: the Refinement Net down-samples once, not twice
(the authors' code, spec §1.3); InstanceNorm scales start at 1 (modern PyTorch), not U(0, 1).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..conventions import MotionField

DRIVING_MODES = ("aus", "classes")


@dataclass(frozen=True)
class GeneratorConfig:
    """What fixes G's architecture and how its inputs are scaled (stored in a bundle manifest)."""

    ngf: int = 64  # base width g of both sub-nets (the released AU model uses 128)
    driving: str = "aus"  # "aus": AU intensities (MSE driving loss) | "classes": one-hot (CE)
    n_driving: int = 17  # d: 17 AUs, or the number of expression classes
    coef_flow: float = 0.3  # flow scale: pixels = coef_flow · f · (R − 1) (released AU model)
    resolution: int = 128  # R
    au_scale: float = 2.0  # network AU = raw 0–5 intensity × au_scale (the code's /0.5, spec §5)
    #: The expression classes' names in index order (``--driving classes``): what lets
    #: ``--expression happy=0.8`` find its class. Empty: unnamed classes.
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.driving not in DRIVING_MODES:
            raise ValueError(f"driving {self.driving!r}: expected one of {DRIVING_MODES}")
        object.__setattr__(self, "class_names", tuple(str(n) for n in self.class_names))
        if self.class_names and (self.driving != "classes"
                                 or len(self.class_names) != self.n_driving):
            raise ValueError(f"{len(self.class_names)} class names for a model driven by "
                             f"{self.n_driving} {self.driving}")
        if self.resolution % 64:
            raise ValueError(f"resolution {self.resolution}: the discriminator needs a multiple "
                             "of 64")

    def to_dict(self) -> dict:
        """JSON-shaped (lists, not tuples), so a dict read back from JSON compares equal."""
        return {**asdict(self), "class_names": list(self.class_names)}


def _instance_norm(channels: int) -> nn.InstanceNorm2d:
    # affine=True, no running stats: the released checkpoints' layout (spec §8.2).
    return nn.InstanceNorm2d(channels, affine=True, track_running_stats=False)


class ResidualBlock(nn.Module):
    """Motion Net block: ``x + IN(conv3(ReLU(IN(conv3(x)))))``, no activation after the sum."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), _instance_norm(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), _instance_norm(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class RefineBlock(nn.Module):
    """Refinement Net block: ``x + conv3(ELU(conv3(x)))``, no normalisation."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.ELU(),
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class Generator(nn.Module):
    """G: Motion Net, warp, Refinement Net (spec §1)."""

    def __init__(self, config: GeneratorConfig = GeneratorConfig()):
        super().__init__()
        self.config = config
        self.coef_flow = float(config.coef_flow)  # a plain float, so TorchScript can read it
        g, d = config.ngf, config.n_driving
        # Motion Net, encoder: 128 → 64 → 32, six residual blocks at 32 (spec §1.1 rows 1–8).
        self.encoding = nn.Sequential(
            nn.Conv2d(3 + d, g, 7, 2, 3, bias=False), _instance_norm(g), nn.ReLU(inplace=True),
            nn.Conv2d(g, 2 * g, 4, 2, 1, bias=False), _instance_norm(2 * g), nn.ReLU(inplace=True),
            *(ResidualBlock(2 * g) for _ in range(6)))
        # Motion Net, decoder: 32 → 64 → 128, two channels through tanh (rows 9–10).
        self.flow_pred = nn.Sequential(
            nn.ConvTranspose2d(2 * g, g, 4, 2, 1, bias=False), _instance_norm(g),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(g, 2, 6, 2, 2, bias=False), nn.Tanh())
        # Refinement Net: 128 → 64, four blocks, back to 128; no tanh, a clamp (spec §1.3).
        self.refine = nn.Sequential(
            nn.Conv2d(3, g, 7, 2, 3, bias=False), nn.ELU(),
            *(RefineBlock(g) for _ in range(4)),
            nn.ConvTranspose2d(g, 3, 6, 2, 2, bias=False))
        init_weights(self)

    def motion(self, image: torch.Tensor, driving: torch.Tensor) -> torch.Tensor:
        """The Motion Net: ``B×3×R×R`` and ``B×d`` → tanh field ``f`` (``B×2×R×R``)."""
        b, _, h, w = image.shape
        # c is tiled over the image and joins it at the first layer only (spec §1).
        tiled = driving.view(b, -1, 1, 1).expand(b, driving.shape[1], h, w)
        return self.flow_pred(self.encoding(torch.cat((image, tiled), dim=1)))

    def warp(self, image: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        """``O^w``: ``image`` sampled at ``p + coef·f·(R − 1)`` (bilinear, zeros outside)."""
        b, _, h, w = image.shape
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, h, device=image.device, dtype=image.dtype),
                                torch.linspace(-1, 1, w, device=image.device, dtype=image.dtype),
                                indexing="ij")
        base = torch.stack((xs, ys), dim=-1)[None]  # 1×H×W×2 (x, y), align_corners=True
        grid = base + 2 * self.coef_flow * f.permute(0, 2, 3, 1)  # B×2×H×W -> B×H×W×2
        return F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros",
                             align_corners=True)

    def refinement(self, warped: torch.Tensor) -> torch.Tensor:
        """The Refinement Net: ``O^w`` alone → ``O^r``, clamped to [-1, 1]."""
        return self.refine(warped).clamp(-1, 1)

    def forward(self, image: torch.Tensor, driving: torch.Tensor, interp: float = 1.0):
        """``(O^r, O^w, f)``; ``interp`` scales the field (the paper's flow interpolation)."""
        f = self.motion(image, driving) * interp
        warped = self.warp(image, f)
        return self.refinement(warped), warped, f

    def flow_px(self, f: torch.Tensor) -> torch.Tensor:
        """``f`` as backward offsets in pixels of the model grid, ``B×2×R×R`` (TorchScript-able:
        the Nuke export calls it)."""
        h, w = f.shape[2], f.shape[3]
        scale = torch.tensor([float(w - 1), float(h - 1)], dtype=f.dtype, device=f.device)
        return f * self.coef_flow * scale.view(1, 2, 1, 1)

    def flow_pixels(self, f: torch.Tensor) -> MotionField:
        """``f`` as a backward field in pixels of the model grid (our convention)."""
        return MotionField(self.flow_px(f))


class Discriminator(nn.Module):
    """D^r (critic and driving heads) or D^w (driving head only), spec §2; ndf fixed at 64."""

    def __init__(self, config: GeneratorConfig = GeneratorConfig(), *, critic: bool = True):
        super().__init__()
        layers, channels = [], 3
        for k in range(6):  # 128 → 2, widths 64, 128, 256, 256, 256, 256
            width = min(64 * 2 ** k, 256)
            layers += [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.01, inplace=True)]
            channels = width
        self.model = nn.Sequential(*layers)
        self.dis_top = nn.Conv2d(256, 1, 3, 1, 1, bias=False) if critic else None
        self.aus_top = nn.Conv2d(256, config.n_driving, config.resolution // 64, 1, 0, bias=False)
        init_weights(self)

    def forward(self, image: torch.Tensor):
        """``(critic B×2×2 or None, driving B×d)``; flattened, never squeezed (B = 1 is safe)."""
        features = self.model(image)
        critic = None
        if self.dis_top is not None:
            critic = self.dis_top(features).flatten(1).view(-1, 2, 2)
        return critic, self.aus_top(features).flatten(1)


def init_weights(module: nn.Module) -> None:
    """Convolution weights ~ N(0, 0.02), biases 0 (spec §1.4); InstanceNorm left at γ=1, β=0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
