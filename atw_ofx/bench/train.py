"""``atw bench train``: generator steps per second (each with its critic steps), batch 10.

Baseline in the same run: one forward pass of G and D^r on the same batch (what inference of the
pair costs), so the ratio shows what the WGAN-GP step adds (five critic updates with the
gradient penalty's double backward, two generator passes). Synthetic faces (noise) are enough:
the cost does not depend on the pixels. The issue's GPU target is ≤ 60 ms per generator step on
an H100.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ..models.generator import GeneratorConfig
from .reswarp import device_name


def _synthetic_data(folder: Path, count: int = 20) -> None:
    import cv2

    rng = np.random.default_rng(0)
    (folder / "imgs").mkdir(parents=True)
    lines = []
    for k in range(count):
        cv2.imwrite(str(folder / "imgs" / f"{k}.png"),
                    rng.integers(0, 256, (128, 128, 3), dtype=np.uint8))
        lines.append(f"{k}.png " + " ".join(f"{v:.2f}" for v in rng.uniform(0, 3, 17)))
    (folder / "aus.txt").write_text("\n".join(lines) + "\n")


def bench_train(*, device: str = "cpu", ngf: int = 64, batch: int = 10, critic_steps: int = 5,
                steps: int = 3, amp: bool = False, progress=print) -> list[dict]:
    from ..train.loop import TrainConfig, Trainer

    folder = Path(tempfile.mkdtemp(prefix="atw_bench_train_"))
    try:
        _synthetic_data(folder / "data")
        config = TrainConfig(data=str(folder / "data"), out=str(folder / "run"), steps=steps + 1,
                             batch=batch, critic_steps=critic_steps, device=device, amp=amp,
                             sample_every=10**9, checkpoint_every=10**9,
                             model=GeneratorConfig(ngf=ngf))
        trainer = Trainer(config)
        sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
        images, _, target = trainer._batch()
        with torch.no_grad():  # the baseline: one forward of G and D^r
            trainer.g(images, target), trainer.d(images)
            sync()
            t0 = time.perf_counter()
            for _ in range(steps):
                trainer.d(trainer.g(images, target)[0])
            sync()
            forward_ms = (time.perf_counter() - t0) / steps * 1e3
        trainer.train_step()  # warm-up
        sync()
        times = []
        for _ in range(steps):
            t0 = time.perf_counter()
            trainer.train_step()
            sync()
            times.append((time.perf_counter() - t0) * 1e3)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    step_ms = float(np.median(times))
    record = {"device": device_name(device), "ngf": ngf, "batch": batch,
              "critic_steps": critic_steps, "amp": amp, "threads": torch.get_num_threads(),
              "ms_per_generator_step": round(step_ms, 1),
              "generator_steps_per_s": round(1e3 / step_ms, 3),
              "forward_ms": round(forward_ms, 1),
              "step_over_forward": round(step_ms / forward_ms, 1),
              "steps_timed": steps}
    progress(f"{record['device']}: {step_ms:.0f} ms per generator step ({critic_steps} critic "
             f"steps, batch {batch}, ngf {ngf}) = {record['step_over_forward']}× one G+D forward "
             f"({forward_ms:.0f} ms)")
    return [record]
