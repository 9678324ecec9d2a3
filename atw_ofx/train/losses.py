"""The ATW losses (paper §3.3, spec §3): WGAN-GP critic, driving, warp, cycle, refine.

Notation: ``D_adv`` is the critic head's ``B×2×2`` map, averaged over the map and the batch;
``D_drv`` the driving head (``B×d``). Driving losses are MSE for AU intensities and cross-entropy
for expression classes (``mode``). Every function takes tensors and returns a scalar tensor.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class LossWeights:
    """λ of each term. Defaults: the paper's (§3.3); :meth:`code` gives the authors' code's."""

    adversarial: float = 1.0  # λ_adv
    gradient_penalty: float = 10.0  # σ
    driving: float = 1.0  # λ_drv (critic on real, generator on fake)
    warp: float = 1.0  # λ_warp (code: 0.5)
    cycle: float = 10.0  # λ_rec
    refine: float = 10.0  # λ_ref (code: 1.0)
    both_passes: bool = False  # code: cycle and refine terms on the forward and the cycle pass

    @classmethod
    def paper(cls) -> "LossWeights":
        return cls()

    @classmethod
    def code(cls) -> "LossWeights":
        return cls(warp=0.5, refine=1.0, both_passes=True)


def critic_loss(critic_real: torch.Tensor, critic_fake: torch.Tensor) -> torch.Tensor:
    """WGAN critic: ``−E[D_adv(I)] + E[D_adv(O^r)]``."""
    return -critic_real.mean() + critic_fake.mean()


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor, alpha: torch.Tensor | None = None) -> torch.Tensor:
    """``E[(‖∇_Î Σ D_adv(Î)‖₂ − 1)²]`` at ``Î = α·real + (1 − α)·fake``, ``α ~ U[0, 1]`` per sample.

    ``critic`` maps images to the ``B×2×2`` critic map; the norm is per sample over C·H·W.
    The penalty is differentiable (``create_graph``) so it trains the critic.
    """
    b = real.shape[0]
    if alpha is None:
        alpha = torch.rand(b, 1, 1, 1, device=real.device, dtype=real.dtype)
    with torch.enable_grad():  # a penalty on gradients needs them, whatever the caller's mode
        mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
        scores = critic(mixed)
        (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def driving_loss(predicted: torch.Tensor, target: torch.Tensor, mode: str = "aus") -> torch.Tensor:
    """MSE against AU intensities (``B×d``), or cross-entropy against class indices (``B``)."""
    if mode == "aus":
        return F.mse_loss(predicted, target)
    return F.cross_entropy(predicted, target)


def generator_adversarial(critic_fake: torch.Tensor) -> torch.Tensor:
    """``l_adv = −E[D_adv(O^r)]``."""
    return -critic_fake.mean()


def cycle_loss(image: torch.Tensor, refined_back: torch.Tensor,
               warped_back: torch.Tensor | None = None) -> torch.Tensor:
    """``mean|O^r_rec − I|`` (paper eq. 6) ``+ mean|O^w_rec − I|`` when ``warped_back`` is given
    (the code's second term)."""
    loss = (refined_back - image).abs().mean()
    if warped_back is not None:
        loss = loss + (warped_back - image).abs().mean()
    return loss


def refine_loss(warped: torch.Tensor, refined: torch.Tensor,
                warped_back: torch.Tensor | None = None,
                refined_back: torch.Tensor | None = None) -> torch.Tensor:
    """``mean|O^w − O^r|`` (paper eq. 9) ``+ mean|O^w_rec − O^r_rec|`` on the cycle pass when
    given (the code's second term)."""
    loss = (warped - refined).abs().mean()
    if warped_back is not None:
        loss = loss + (warped_back - refined_back).abs().mean()
    return loss
