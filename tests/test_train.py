"""Training data (label formats, the numpy-only unpickler), the loop (overfit, exact resume),
``atw train``."""
import csv
import io
import json
import os
import pickle
import shutil

import numpy as np
import pytest

from atw_ofx.conventions import AU_NAMES
from atw_ofx.models.generator import GeneratorConfig
from atw_ofx.train.data import (DataError, NumpyOnlyUnpickler, load_faces, load_numpy_pickle,
                                read_labels, sample_batch)
from atw_ofx.train.loop import TrainConfig, Trainer

from conftest import PORTRAIT_FACE_SQUARE, run_atw


@pytest.fixture(scope="module")
def sequence_data(shared_data):
    folder = shared_data / "au_labeled" / "atw_sequence"
    if not folder.is_dir():
        pytest.skip("atw_sequence missing")
    return folder


@pytest.fixture
def few_labelled_frames(sequence_data, tmp_path):
    """Six labelled frames of the real sequence, in the authors' layout (their labels follow
    the faces, so a short run can learn them)."""
    (tmp_path / "imgs").mkdir()
    lines = (sequence_data / "aus.txt").read_text().splitlines()[:6]
    for line in lines:
        name = line.split()[0]
        shutil.copy(sequence_data / "imgs" / name, tmp_path / "imgs" / name)
    (tmp_path / "aus.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.fixture
def few_frames(tmp_path):
    """Six labelled 128 px face crops in the authors' layout (``imgs/`` JPEGs, ``aus.txt``: a
    name and 17 intensities a line), cut from the shipped demo portrait a few pixels apart and
    labelled with seeded intensities: what the loop's mechanics need, on a bare checkout."""
    import cv2

    from atw_ofx.demo import demo_face_path

    (tmp_path / "imgs").mkdir()
    bgr = cv2.imread(str(demo_face_path()))
    rng = np.random.default_rng(6)
    lines = []
    top, left, side = PORTRAIT_FACE_SQUARE
    for k in range(6):
        x, y = left + 12 * k, top + 6 * (k % 3)  # a few pixels apart
        crop = cv2.resize(bgr[y:y + side, x:x + side], (128, 128), interpolation=cv2.INTER_AREA)
        name = f"{k + 1}.jpg"
        cv2.imwrite(str(tmp_path / "imgs" / name), crop)
        lines.append(" ".join([name] + [f"{v:.2f}" for v in rng.uniform(0, 3, len(AU_NAMES))]))
    (tmp_path / "aus.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


class Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_the_unpickler_admits_numpy_arrays_and_refuses_code(tmp_path):
    arrays = {"a": np.arange(17, dtype=np.float64)}
    assert np.array_equal(NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(arrays))).load()["a"],
                          arrays["a"])
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps({"x": Exploit()}))
    with pytest.raises(DataError, match="refused to load posix.system|refused to load os.system"):
        load_numpy_pickle(evil)


def test_label_formats_agree(sequence_data, shared_data, tmp_path):
    txt = read_labels(sequence_data / "aus.txt")
    pkl = read_labels(sequence_data / "aus_openface.pkl")  # GANimation layout, by id
    name = "22.jpg"
    assert np.allclose(txt[name], pkl["22"], atol=0.006)  # aus.txt rounds to 2 decimals
    with open(tmp_path / "labels.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["image", *[f"{au}_r" for au in AU_NAMES]])
        writer.writerow([name, *txt[name]])
    assert np.array_equal(read_labels(tmp_path / "labels.csv")[name], txt[name])
    (tmp_path / "labels.json").write_text(json.dumps({name: {"AU12": 2.54, "AU99": 1}}))
    assert read_labels(tmp_path / "labels.json")[name][AU_NAMES.index("AU12")] == \
        pytest.approx(2.54)
    ganimation = read_labels(shared_data / "au_labeled" / "ganimation_sample" / "aus_openface.pkl")
    assert len(ganimation) == 4  # a Python 2 pickle, read with latin1
    (tmp_path / "bad.txt").write_text("1.jpg 0.1 0.2\n")
    with pytest.raises(DataError, match="line 1: expected 17 finite AU values"):
        read_labels(tmp_path / "bad.txt")


def test_splits_numeric_order_and_batches(sequence_data):
    train, test = load_faces(sequence_data, "train"), load_faces(sequence_data, "test")
    assert (len(train), len(test)) == (70, 11) and not set(train.names) & set(test.names)
    numbers = [int(n.split(".")[0]) for n in train.names]
    assert numbers == sorted(numbers)  # 1, 2, ..., 10 — not 1, 10, 11
    rng = np.random.default_rng(0)
    batch = sample_batch(train, 10, rng, au_scale=2.0, au_noise=0.1)
    assert batch.images.shape == (10, 3, 128, 128)
    assert batch.images.min() >= -1 and batch.images.max() <= 1
    assert batch.source.max() <= 10 and (batch.target - batch.target.round(decimals=2)).abs().max() > 0


def tiny(data, out, **kw):
    return TrainConfig(data=str(data), out=str(out), batch=4, critic_steps=1, sample_every=1000,
                       checkpoint_every=1000, model=GeneratorConfig(ngf=8), **kw)


def test_resuming_gives_the_same_next_losses_as_an_uninterrupted_run(few_frames, tmp_path):
    straight = Trainer(tiny(few_frames, tmp_path / "a", steps=4)).run(progress=False)
    interrupted = Trainer(tiny(few_frames, tmp_path / "b", steps=4))
    interrupted.run(progress=False, stop_after=2)  # checkpoints at the stop
    resumed = Trainer(tiny(few_frames, tmp_path / "b", steps=4))
    assert resumed.load_checkpoint() and resumed.step == 2
    rows = resumed.run(progress=False)
    assert [r["g_total"] for r in rows] == [r["g_total"] for r in straight[2:]]
    assert [r["d_gp"] for r in rows] == [r["d_gp"] for r in straight[2:]]


def test_an_overfit_run_lowers_the_driving_and_cycle_losses(few_labelled_frames, tmp_path):
    """Six real frames, 20 steps: the generator's driving (MSE of D_drv(O^r) to c_t) and cycle
    losses fall (measured: to ~0.5 and ~0.6 of their start)."""
    config = tiny(few_labelled_frames, tmp_path / "run", steps=20, lr=1e-3, au_noise=0.0)
    rows = Trainer(config).run(progress=False)
    first, last = rows[:5], rows[-5:]
    for term in ("g_drv", "g_cyc"):
        assert np.mean([r[term] for r in last]) < 0.85 * np.mean([r[term] for r in first]), term
    logged = list(csv.DictReader(open(tmp_path / "run" / "losses.csv")))
    assert len(logged) == 20 and float(logged[-1]["lr"]) < config.lr
    assert (tmp_path / "run" / "samples" / "step_000020.png").exists()
    assert (tmp_path / "run" / "bundle" / "manifest.json").exists()


def test_atw_train_cli_refuses_to_overwrite_and_resumes(few_frames, tmp_path):
    args = ["train", "--data", str(few_frames), "--out", str(tmp_path / "run"), "--steps", "2",
            "--batch", "2", "--critic-steps", "1", "--ngf", "8", "-q"]
    proc = run_atw(*args)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "run" / "bundle" / "manifest.json").read_text())
    assert manifest["training"]["steps"] == 2 and manifest["config"]["ngf"] == 8
    proc = run_atw(*args)
    assert proc.returncode == 2 and "add --resume to continue it" in proc.stderr
    proc = run_atw(*args[:6], "3", *args[7:], "--resume")  # --steps 3
    assert proc.returncode == 0, proc.stderr
    assert len(list(csv.DictReader(open(tmp_path / "run" / "losses.csv")))) == 3


def test_atw_data_crops_writes_aligned_labelled_crops_atw_train_reads(sequence, tmp_path):
    out = tmp_path / "crops"
    proc = run_atw("data", "crops", str(sequence / "plate.####.exr"), "-o", str(out),
                   "--every", "2")
    assert proc.returncode == 0, proc.stderr
    faces = load_faces(out)  # one input: everything is train
    assert faces.names == ["plate_001001.png", "plate_001003.png", "plate_001005.png"]
    assert faces.images.shape == (3, 3, 128, 128)
    assert (faces.aus >= 0).all() and (faces.aus <= 5).all()
    rows = list(csv.DictReader(open(out / "labels.csv")))
    assert list(rows[0])[1:] == list(AU_NAMES)
    assert (out / "train_ids.csv").read_text().split() == faces.names


def test_expression_class_data_trains_with_one_hot_driving_and_cross_entropy(few_frames,
                                                                             tmp_path):
    names = sorted(p.name for p in (few_frames / "imgs").iterdir())
    (few_frames / "label_class.pkl").write_bytes(
        pickle.dumps({n: k % 3 for k, n in enumerate(names)}, protocol=2))
    faces = load_faces(few_frames, driving="classes")
    assert faces.aus is None and faces.classes.tolist() == [k % 3 for k in range(len(names))]
    config = tiny(few_frames, tmp_path / "run", steps=2)
    (few_frames / "class_names.txt").write_text("neutral\nhappy\nsurprised\n")
    proc = run_atw("train", "--data", str(few_frames), "--out", str(tmp_path / "run"),
                   "--steps", "2", "--batch", "2", "--critic-steps", "1", "--ngf", "8",
                   "--driving", "classes", "--classes", "3", "--quiet")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "run" / "bundle" / "manifest.json").read_text())
    assert manifest["driving"]["mode"] == "classes" and manifest["config"]["n_driving"] == 3
    assert manifest["driving"]["classes"] == ["neutral", "happy", "surprised"]
    rows = list(csv.DictReader(open(tmp_path / "run" / "losses.csv")))
    assert len(rows) == 2 and all(np.isfinite(float(r["g_drv"])) for r in rows)
    proc = run_atw("train", "--data", str(few_frames), "--out", str(tmp_path / "run2"),
                   "--steps", "1", "--driving", "classes", "--classes", "3",
                   "--class-names", "neutral,happy")
    assert proc.returncode == 2 and "2 class names for --classes 3" in proc.stderr
    config.model = GeneratorConfig(ngf=8, driving="classes", n_driving=2)
    with pytest.raises(Exception, match="class 2 in the data, but the model has 2 classes"):
        Trainer(config)


def test_mixed_precision_training_keeps_the_penalty_in_float32(few_frames, tmp_path):
    import torch

    config = tiny(few_frames, tmp_path / "amp", steps=1, amp=True)  # a bfloat16 step: ~12 s here
    trainer = Trainer(config)
    with trainer._autocast():
        assert trainer._critic_fp32(torch.rand(2, 3, 128, 128)).dtype == torch.float32
        assert trainer.d(torch.rand(2, 3, 128, 128))[0].dtype == torch.bfloat16
    rows = trainer.run(progress=False)
    assert all(np.isfinite([r[k] for k in ("d_gp", "g_total", "d_adv")]).all() for r in rows)
    plain = Trainer(tiny(few_frames, tmp_path / "fp32", steps=1)).run(progress=False)
    assert rows[0]["g_total"] != plain[0]["g_total"]  # autocast really ran in bfloat16
