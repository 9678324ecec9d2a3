"""Each ATW loss against a hand-computed value on a tiny batch; the gradient penalty against its
definition."""
import pytest
import torch

from atw_ofx.train.losses import (LossWeights, critic_loss, cycle_loss, driving_loss,
                                  generator_adversarial, gradient_penalty, refine_loss)


def test_critic_and_adversarial_terms():
    real = torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [0.0, 2.0]]])  # means 2.5, 0.5
    fake = torch.tensor([[[-1.0, -1.0], [-1.0, -1.0]], [[1.0, 1.0], [1.0, 1.0]]])  # mean 0
    assert critic_loss(real, fake).item() == pytest.approx(-1.5)
    assert generator_adversarial(real).item() == pytest.approx(-1.5)


def test_driving_losses():
    predicted = torch.tensor([[1.0, 2.0], [0.0, 4.0]])
    target = torch.tensor([[0.0, 2.0], [2.0, 2.0]])
    assert driving_loss(predicted, target).item() == pytest.approx((1 + 0 + 4 + 4) / 4)
    logits = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    expected = (-torch.log_softmax(logits, 1)[[0, 1], [0, 1]]).mean()
    assert driving_loss(logits, torch.tensor([0, 1]), "classes").item() == pytest.approx(
        expected.item())


def test_cycle_and_refine_terms_paper_and_code():
    image = torch.zeros(1, 1, 2, 2)
    refined_back = torch.tensor([[[[1.0, -1.0], [0.5, 0.5]]]])  # mean |·| = 0.75
    warped_back = torch.full((1, 1, 2, 2), 0.25)
    assert cycle_loss(image, refined_back).item() == pytest.approx(0.75)
    assert cycle_loss(image, refined_back, warped_back).item() == pytest.approx(1.0)
    warped, refined = torch.ones(1, 1, 2, 2), torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    assert refine_loss(warped, refined).item() == pytest.approx(0.5)
    assert refine_loss(warped, refined, warped_back, refined_back).item() == pytest.approx(
        0.5 + (0.75 + 1.25 + 0.25 + 0.25) / 4)
    assert LossWeights.paper().refine == 10 and LossWeights.code().refine == 1
    assert LossWeights.code().warp == 0.5 and LossWeights.code().both_passes


def test_gradient_penalty_equals_its_definition():
    torch.manual_seed(0)
    w = torch.randn(3, 4, 4)
    # A linear critic: the gradient of Σ D_adv is w everywhere, so GP = (‖w‖ − 1)² exactly.
    linear = lambda x: (x * w).sum(dim=(1, 2, 3)).view(-1, 1, 1).expand(-1, 2, 2) / 4  # noqa
    real, fake = torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4)
    assert gradient_penalty(linear, real, fake).item() == pytest.approx(
        (w.norm() - 1).pow(2).item(), rel=1e-5)
    # A quadratic critic at a known mixing point: ∇ Σ D = 2·w·x̂, by hand.
    quadratic = lambda x: ((x ** 2) * w).sum(dim=(1, 2, 3)).view(-1, 1, 1).expand(-1, 2, 2) / 4  # noqa
    alpha = torch.rand(5, 1, 1, 1)
    mixed = alpha * real + (1 - alpha) * fake
    by_hand = ((2 * w * mixed).flatten(1).norm(dim=1) - 1).pow(2).mean()
    assert gradient_penalty(quadratic, real, fake, alpha).item() == pytest.approx(
        by_hand.item(), rel=1e-5)


def test_the_gradient_penalty_trains_the_critic():
    weight = torch.randn(3, 4, 4, requires_grad=True)
    critic = lambda x: ((x ** 2) * weight).sum(dim=(1, 2, 3)).view(-1, 1, 1).expand(-1, 2, 2)  # noqa
    gp = gradient_penalty(critic, torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4))
    gp.backward()
    assert weight.grad is not None and weight.grad.abs().sum() > 0
