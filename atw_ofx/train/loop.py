"""``atw train``: the WGAN-GP loop of the paper's Algorithm 1, resumable and deterministic.

One *step* = ``critic_steps`` (5) updates of D^r and D^w on fresh batches, then one update of G
on a fresh batch (Algorithm 1; the authors' code reuses one batch per step — spec §3.4):

- D^r: ``λ_adv·(−E[D(I)] + E[D(O^r)]) + λ_drv·MSE(D_drv(I), c_s) + σ·GP``;
- D^w: ``MSE(D^w(I), c_s)`` on real images only (paper eq. 4);
- G: two passes, ``(O^r, O^w) = G(I, c_t)`` and ``(O^r_rec, O^w_rec) = G(O^r, c_s)``;
  ``λ_adv·l_adv + λ_drv·l_drv + λ_warp·l_warp + λ_cyc·l_cyc + λ_ref·l_ref`` (paper weights by
  default, the code's with ``weights="code"``).

Three Adams (lr 1e-4, β 0.5/0.999); the learning rate is constant for the first
``1 − decay_fraction`` of the steps, then falls linearly to zero at the last step (the code's
per-epoch rule, without its lr = 0 last epoch). Every random draw — batches, augmentation,
targets, AU noise, the penalty's mixing — comes from generators seeded by ``seed`` and saved
in checkpoints, so a resumed run continues exactly as an uninterrupted one (tested).

Writes into ``out``: ``losses.csv`` (one row per step), ``samples/step_NNNNNN.png`` (input,
O^w, O^r for fixed faces and targets), ``checkpoint/`` (weights, optimiser states and RNG states:
safetensors + JSON, never pickle) and at the end ``bundle/`` (a model bundle for ``--model``).
"""
from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from ..atomic import write_text, write_with
from ..errors import ATWError
from ..models.bundle import save_bundle
from ..models.generator import Discriminator, Generator, GeneratorConfig
from . import losses as L
from .data import FaceSet, load_faces, sample_batch

LOSS_COLUMNS = ("d_adv", "d_gp", "d_drv", "dw_drv", "g_adv", "g_drv", "g_warp", "g_cyc",
                "g_ref", "g_total")


@dataclass
class TrainConfig:
    """One training run (``atw train`` flags map onto these fields)."""

    data: str  # data folder (atw_ofx.train.data)
    out: str  # run folder
    steps: int = 1000  # generator steps
    batch: int = 10
    critic_steps: int = 5  # D updates per G update
    lr: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.999)
    decay_fraction: float = 0.5  # last fraction of the steps with linearly falling lr
    weights: str = "paper"  # "paper" | "code" (spec §3.3)
    au_noise: float = 0.1  # U(−a, a) on target AUs, model scale
    seed: int = 2020
    device: str = "cpu"
    amp: bool = False  # bfloat16 autocast for the forward passes; the gradient penalty stays fp32
    sample_every: int = 100
    checkpoint_every: int = 100
    model: GeneratorConfig = field(default_factory=GeneratorConfig)

    def loss_weights(self) -> L.LossWeights:
        if self.weights not in ("paper", "code"):
            raise ATWError(f"--weights {self.weights!r}: expected paper or code")
        return L.LossWeights.code() if self.weights == "code" else L.LossWeights.paper()


class Trainer:
    """Networks, optimisers, data and RNGs of one run; :meth:`run` trains to ``config.steps``."""

    def __init__(self, config: TrainConfig):
        self.config = config
        self.weights = config.loss_weights()
        self.out = Path(config.out)
        self.device = torch.device(config.device)
        torch.manual_seed(config.seed)
        self.g = Generator(config.model).to(self.device)
        self.d = Discriminator(config.model).to(self.device)
        self.dw = Discriminator(config.model, critic=False).to(self.device)
        adam = dict(lr=config.lr, betas=config.betas)
        self.opt_g = torch.optim.Adam(self.g.parameters(), **adam)
        self.opt_d = torch.optim.Adam(self.d.parameters(), **adam)
        self.opt_dw = torch.optim.Adam(self.dw.parameters(), **adam)
        self.rng = np.random.default_rng(config.seed)
        self.gp_gen = torch.Generator().manual_seed(config.seed + 1)
        self.step = 0
        self.faces: FaceSet = load_faces(config.data, "train", config.model.resolution,
                                         config.model.driving)
        if self.faces.classes is not None and int(self.faces.classes.max()) >= \
                config.model.n_driving:
            raise ATWError(f"class {int(self.faces.classes.max())} in the data, but the model "
                           f"has {config.model.n_driving} classes (--classes)", path=config.data)
        self._fixed = self._fixed_batch()

    # -- one step ---------------------------------------------------------------------------------
    def _batch(self):
        b = sample_batch(self.faces, self.config.batch, self.rng,
                         au_scale=self.config.model.au_scale, au_noise=self.config.au_noise)
        return (b.images.to(self.device), b.source.to(self.device), b.target.to(self.device))

    def _autocast(self):
        """bfloat16 autocast when ``amp`` (no loss scaling needed: bf16 keeps fp32's range)."""
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.config.amp)

    def _critic_fp32(self, images: torch.Tensor) -> torch.Tensor:
        """D^r's critic map in float32: the penalty differentiates a gradient, and its
        ``(‖∇‖ − 1)²`` is too sensitive for bfloat16's 8-bit mantissa."""
        with torch.autocast(self.device.type, enabled=False):
            return self.d(images.float())[0]

    def _drive(self, labels: torch.Tensor) -> torch.Tensor:
        """G's driving vector: AUs as they are, classes one-hot (spec §1)."""
        if self.config.model.driving == "classes":
            return torch.nn.functional.one_hot(labels, self.config.model.n_driving).float()
        return labels

    def _critic_step(self) -> dict[str, float]:
        w, mode = self.weights, self.config.model.driving
        images, source, target = self._batch()
        with self._autocast():
            with torch.no_grad():
                fake, _, _ = self.g(images, self._drive(target))
            critic_real, drv_real = self.d(images)
            critic_fake, _ = self.d(fake)
        alpha = torch.rand(images.shape[0], 1, 1, 1, generator=self.gp_gen).to(self.device)
        gp = L.gradient_penalty(self._critic_fp32, images, fake.float(), alpha)
        adv = L.critic_loss(critic_real.float(), critic_fake.float())
        drv = L.driving_loss(drv_real.float(), source, mode)
        self.opt_d.zero_grad(set_to_none=True)
        (w.adversarial * adv + w.driving * drv + w.gradient_penalty * gp).backward()
        self.opt_d.step()
        with self._autocast():
            _, drv_w = self.dw(images)
        dw_drv = L.driving_loss(drv_w.float(), source, mode)
        self.opt_dw.zero_grad(set_to_none=True)
        dw_drv.backward()
        self.opt_dw.step()
        return {"d_adv": adv.item(), "d_gp": gp.item(), "d_drv": drv.item(),
                "dw_drv": dw_drv.item()}

    def _generator_step(self) -> dict[str, float]:
        w, mode = self.weights, self.config.model.driving
        images, source, target = self._batch()
        for p in (*self.d.parameters(), *self.dw.parameters()):
            p.requires_grad_(False)  # freeze D for G's step (the code's freeze was a no-op)
        with self._autocast():
            refined, warped, _ = self.g(images, self._drive(target))
            refined_back, warped_back, _ = self.g(refined, self._drive(source))
            critic_fake, drv_fake = self.d(refined)
            _, drv_warp = self.dw(warped)
        refined, warped, refined_back, warped_back, critic_fake, drv_fake, drv_warp = (
            t.float() for t in (refined, warped, refined_back, warped_back, critic_fake,
                                drv_fake, drv_warp))
        terms = {
            "g_adv": L.generator_adversarial(critic_fake),
            "g_drv": L.driving_loss(drv_fake, target, mode),
            "g_warp": L.driving_loss(drv_warp, target, mode),
            "g_cyc": L.cycle_loss(images, refined_back, warped_back if w.both_passes else None),
            "g_ref": L.refine_loss(warped, refined, *((warped_back, refined_back)
                                                      if w.both_passes else (None, None))),
        }
        total = (w.adversarial * terms["g_adv"] + w.driving * terms["g_drv"]
                 + w.warp * terms["g_warp"] + w.cycle * terms["g_cyc"] + w.refine * terms["g_ref"])
        self.opt_g.zero_grad(set_to_none=True)
        total.backward()
        self.opt_g.step()
        for p in (*self.d.parameters(), *self.dw.parameters()):
            p.requires_grad_(True)
        return {**{k: v.item() for k, v in terms.items()}, "g_total": total.item()}

    def learning_rate(self, step: int) -> float:
        """lr for 1-based ``step``: constant, then linear to 0 over the last decay fraction."""
        decay = max(1, round(self.config.steps * self.config.decay_fraction))
        start = self.config.steps - decay
        return self.config.lr * min(1.0, max(0.0, (self.config.steps - step + 1) / (decay + 1))
                                    if step > start else 1.0)

    def train_step(self) -> dict[str, float]:
        """One generator step with its critic steps; returns the step's losses."""
        self.step += 1
        lr = self.learning_rate(self.step)
        for opt in (self.opt_g, self.opt_d, self.opt_dw):
            for group in opt.param_groups:
                group["lr"] = lr
        critic = [self._critic_step() for _ in range(self.config.critic_steps)]
        row = {k: float(np.mean([c[k] for c in critic])) for k in critic[0]}
        return {"step": self.step, "lr": lr, **row, **self._generator_step()}

    # -- the run ----------------------------------------------------------------------------------
    def run(self, *, progress: bool = True, stop_after: int | None = None) -> list[dict]:
        """Train to ``config.steps`` (or ``stop_after`` more steps); returns the rows logged."""
        self.out.mkdir(parents=True, exist_ok=True)
        rows, started = [], time.perf_counter()
        last = self.config.steps if stop_after is None else min(self.config.steps,
                                                                 self.step + stop_after)
        bar = tqdm(total=self.config.steps, initial=self.step, unit="step", desc="atw train",
                   file=sys.stderr, disable=not progress)
        while self.step < last:
            row = self.train_step()
            row["seconds"] = round(time.perf_counter() - started, 3)
            self._log(row)
            rows.append(row)
            bar.update(1)
            bar.set_postfix(g=f"{row['g_total']:.3f}", d=f"{row['d_adv']:.3f}")
            if self.step % self.config.sample_every == 0 or self.step == self.config.steps:
                self.write_samples()
            if self.step % self.config.checkpoint_every == 0 or self.step == last:
                self.save_checkpoint()
        bar.close()
        if self.step == self.config.steps:
            save_bundle(self.out / "bundle", self.g.eval(), name=self.out.name,
                        training=self.provenance(), licence="as the training data's")
            self.g.train()
        return rows

    def _log(self, row: dict) -> None:
        path = self.out / "losses.csv"
        fresh = not path.exists()
        with open(path, "a", newline="") as fh:
            writer = csv.DictWriter(fh, ["step", "lr", *LOSS_COLUMNS, "seconds"])
            if fresh:
                writer.writeheader()
            writer.writerow({k: row[k] for k in writer.fieldnames})

    def provenance(self) -> dict:
        config = asdict(self.config)
        config["model"] = self.config.model.to_dict()
        return {"data": str(Path(self.config.data).resolve()), "images": len(self.faces),
                "steps": self.step, "config": config}

    # -- samples ----------------------------------------------------------------------------------
    def _fixed_batch(self):
        rng = np.random.default_rng(self.config.seed + 2)  # its own RNG: never shifts training
        b = sample_batch(self.faces, min(4, len(self.faces)), rng,
                         au_scale=self.config.model.au_scale, train=False)
        return b.images.to(self.device), self._drive(b.target.to(self.device))

    @torch.no_grad()
    def write_samples(self) -> Path:
        """``samples/step_NNNNNN.png``: rows of input | O^w | O^r for fixed faces and targets."""
        from .. import colour
        from ..imageio import ImagePlate, write_image

        images, target = self._fixed
        self.g.eval()
        refined, warped, _ = self.g(images, target)
        self.g.train()
        rows = [torch.cat(list(t), dim=2) for t in zip(images, warped, refined)]  # 3×R×3R
        grid = ((torch.cat(rows, dim=1) + 1) / 2).clamp(0, 1).permute(1, 2, 0)  # -> H×W×3
        path = self.out / "samples" / f"step_{self.step:06d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_image(path, ImagePlate.from_array(grid.cpu().numpy(), ("R", "G", "B"),
                                                colour.DEFAULT_DISPLAY_FILE_SPACE))
        return path

    # -- checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self) -> Path:
        """Weights, optimiser states and RNG states under ``checkpoint/`` (atomic)."""
        folder = self.out / "checkpoint"
        folder.mkdir(parents=True, exist_ok=True)
        tensors, meta = {}, {"step": self.step, "config_model": self.config.model.to_dict()}
        for name, net in (("g", self.g), ("d", self.d), ("dw", self.dw)):
            tensors.update({f"{name}/{k}": v.detach().cpu().contiguous()
                            for k, v in net.state_dict().items()})
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d), ("opt_dw", self.opt_dw)):
            state = opt.state_dict()
            meta[name] = {"param_groups": state["param_groups"], "state": {}}
            for index, values in state["state"].items():
                meta[name]["state"][str(index)] = {}
                for key, value in values.items():
                    if torch.is_tensor(value):
                        tensors[f"{name}/{index}/{key}"] = value.detach().cpu().contiguous()
                    else:
                        meta[name]["state"][str(index)][key] = value
        tensors["rng/torch"] = torch.get_rng_state()
        tensors["rng/gp"] = self.gp_gen.get_state()
        meta["rng_numpy"] = self.rng.bit_generator.state
        write_with(folder / "state.safetensors", lambda tmp: save_file(tensors, tmp))
        write_text(folder / "state.json", json.dumps(meta, default=int))
        return folder

    def load_checkpoint(self) -> bool:
        """Continue from ``checkpoint/`` if there is one; returns whether it resumed."""
        folder = self.out / "checkpoint"
        if not (folder / "state.json").is_file():
            return False
        meta = json.loads((folder / "state.json").read_text())
        if meta["config_model"] != self.config.model.to_dict():
            raise ATWError("checkpoint was trained with another model config; use a new --out",
                           path=str(folder))
        tensors = load_file(str(folder / "state.safetensors"))
        for name, net in (("g", self.g), ("d", self.d), ("dw", self.dw)):
            net.load_state_dict({k[len(name) + 1:]: v for k, v in tensors.items()
                                 if k.startswith(f"{name}/")})
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d), ("opt_dw", self.opt_dw)):
            state = {}
            for index, scalars in meta[name]["state"].items():
                state[int(index)] = dict(scalars)
                prefix = f"{name}/{index}/"
                state[int(index)].update({k[len(prefix):]: v.to(self.device)
                                          for k, v in tensors.items() if k.startswith(prefix)})
            opt.load_state_dict({"param_groups": meta[name]["param_groups"], "state": state})
        torch.set_rng_state(tensors["rng/torch"])
        self.gp_gen.set_state(tensors["rng/gp"])
        self.rng.bit_generator.state = meta["rng_numpy"]
        self.step = int(meta["step"])
        return True
