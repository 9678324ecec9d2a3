"""Training data: face images with AU labels, the paper's augmentation, batches (spec §3.5, §5).

A data folder holds ``imgs/`` (aligned face crops, any size, resized to 128) and one label file:

- ``aus.txt`` — the authors' layout: ``<image name> <17 floats>`` per line;
- ``labels.csv`` — a header with ``image`` and AU columns (``AU12`` or OpenFace's ``AU12_r``);
- ``labels.json`` — ``{"<image name>": {"AU12": 2.5, ...} or [17 floats], ...}``;
- ``*.pkl`` — GANimation's ``{image id: float64[17]}``, read through :class:`NumpyOnlyUnpickler`
  (never ``pickle.load``: a pickle can run code).

Expression-class data (``driving="classes"``) has ``label_class.pkl`` (the authors' layout:
``{image name: class index}``) or ``classes.csv`` (``image,label``) instead.

Optional ``train_ids.csv`` / ``test_ids.csv`` list the images of each split (one name per line).
AUs are raw intensities 0–5 here; the model's scale (``au_scale``) is applied when batching.
"""
from __future__ import annotations

import csv
import io
import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..conventions import AU_NAMES, AU_RANGE
from ..errors import ATWError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


class DataError(ATWError):
    """A training data folder or label file is missing or malformed."""


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, numbers, strings and numpy arrays — and refuses every other global.

    GANimation's label pickles need only numpy's array reconstruction; anything else a pickle
    names (``os.system``, ``builtins.eval``, …) is refused before it can be called.
    """

    ALLOWED = {
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),  # how protocol-2 pickles spell bytes
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}: only numpy arrays "
                                         "may be unpickled")
        return super().find_class(module, name)


def load_numpy_pickle(path: str | Path):
    """A label pickle's contents (Python 2 pickles included: latin1 strings)."""
    data = Path(path).read_bytes()
    try:
        return NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise DataError(f"unreadable label pickle: {exc}", path=str(path)) from None


def _au_row(values, where: str, path: Path) -> np.ndarray:
    row = np.asarray(values, np.float32).reshape(-1)
    if row.shape != (len(AU_NAMES),) or not np.isfinite(row).all():
        raise DataError(f"{where}: expected {len(AU_NAMES)} finite AU values", path=str(path))
    return np.clip(row, *AU_RANGE)


def read_labels(path: str | Path) -> dict[str, np.ndarray]:
    """``{image name or stem: float32[17] raw AUs}`` from any supported label file."""
    path = Path(path)
    if not path.is_file():
        raise DataError("label file not found", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".pkl":
        table = load_numpy_pickle(path)
        if not isinstance(table, dict):
            raise DataError("label pickle is not a dict of id → AU array", path=str(path))
        return {str(k): _au_row(v, f"id {k}", path) for k, v in table.items()}
    if suffix == ".json":
        table = json.loads(path.read_text())
        return {name: _au_row([v.get(au, 0.0) for au in AU_NAMES] if isinstance(v, dict) else v,
                              name, path) for name, v in table.items()}
    if suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows:
            raise DataError("empty label CSV", path=str(path))
        key = next((k for k in ("image", "file", "name") if k in rows[0]), None)
        columns = [au if au in rows[0] else f"{au}_r" for au in AU_NAMES]
        if key is None or any(c not in rows[0] for c in columns):
            raise DataError("label CSV needs an 'image' column and a column per AU "
                            "(AU01 or AU01_r)", path=str(path))
        return {r[key].strip(): _au_row([float(r[c]) for c in columns], r[key], path)
                for r in rows}
    labels = {}  # aus.txt: name followed by 17 floats
    for number, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            labels[parts[0]] = _au_row([float(v) for v in parts[1:]], f"line {number}", path)
        except ValueError:
            raise DataError(f"line {number}: not a name and {len(AU_NAMES)} numbers",
                            path=str(path)) from None
    return labels


def read_classes(path: str | Path) -> dict[str, int]:
    """``{image name or stem: class index}`` from ``label_class.pkl`` or ``classes.csv``."""
    path = Path(path)
    if not path.is_file():
        raise DataError("class label file not found", path=str(path))
    if path.suffix.lower() == ".pkl":
        table = load_numpy_pickle(path)
    else:
        with open(path, newline="", encoding="utf-8") as fh:
            table = {r["image"].strip(): r["label"] for r in csv.DictReader(fh)}
    try:
        classes = {str(k): int(v) for k, v in dict(table).items()}
    except (TypeError, ValueError):
        raise DataError("class labels must map image names to integers", path=str(path)) from None
    if any(v < 0 for v in classes.values()):
        raise DataError("class indices must be 0 or more", path=str(path))
    return classes


def read_class_names(root: str | Path) -> tuple[str, ...]:
    """The classes' names in index order from ``class_names.txt`` (one per line), or ``()``."""
    path = Path(root) / "class_names.txt"
    if not path.is_file():
        return ()
    return tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip())


def _label_file(root: Path, driving: str = "aus") -> Path:
    if driving == "classes":
        for name in ("label_class.pkl", "classes.csv"):
            if (root / name).is_file():
                return root / name
        raise DataError("no class label file (label_class.pkl or classes.csv)", path=str(root))
    for name in ("aus.txt", "labels.csv", "labels.json"):
        if (root / name).is_file():
            return root / name
    pickles = sorted(p for p in root.glob("*.pkl") if p.name != "label_class.pkl")
    if pickles:
        return pickles[0]
    raise DataError("no label file (aus.txt, labels.csv, labels.json or *.pkl)", path=str(root))


@dataclass
class FaceSet:
    """Images (``N×3×128×128`` uint8, RGB) and their labels, in memory: raw AUs (``N×17``
    float32) or expression classes (``N`` int64)."""

    names: list[str]
    images: torch.Tensor
    aus: torch.Tensor | None
    classes: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.names)


def load_faces(root: str | Path, split: str | None = None, resolution: int = 128,
               driving: str = "aus") -> FaceSet:
    """Read a data folder (module docstring); ``split`` = "train" / "test" when id lists exist."""
    root = Path(root)
    folder = root / "imgs"
    if not folder.is_dir():
        raise DataError("no imgs/ folder", path=str(root))
    label_file = _label_file(root, driving)
    labels = read_classes(label_file) if driving == "classes" else read_labels(label_file)
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES),
                   key=lambda p: (len(p.stem), p.stem))  # numeric order for 1.jpg, 2.jpg, 10.jpg
    if split is not None and (root / f"{split}_ids.csv").is_file():
        wanted = {line.strip() for line in (root / f"{split}_ids.csv").read_text().splitlines()
                  if line.strip()}
        files = [p for p in files if p.name in wanted or p.stem in wanted]
    names, images, aus = [], [], []
    for path in files:
        row = labels.get(path.name, labels.get(path.stem))
        if row is None:
            continue  # an image without a label is not training data
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise DataError("unreadable image", path=str(path))
        rgb = cv2.cvtColor(cv2.resize(bgr, (resolution, resolution),
                                      interpolation=cv2.INTER_CUBIC), cv2.COLOR_BGR2RGB)
        names.append(path.name)
        images.append(torch.from_numpy(rgb).permute(2, 0, 1))  # H×W×3 -> 3×H×W
        aus.append(row)
    if not names:
        raise DataError("no labelled images", path=str(root))
    if driving == "classes":
        return FaceSet(names, torch.stack(images), None, torch.tensor(aus, dtype=torch.int64))
    return FaceSet(names, torch.stack(images), torch.from_numpy(np.stack(aus)))


def augment(images: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """The paper's training transform on a ``B×3×R×R`` float batch in [0, 1] (spec §3.5).

    Reflect-pad R/20 px and crop back at a random offset, flip half the batch (AUs unchanged:
    they are symmetric labels), jitter brightness ±0.3, contrast ±0.2, saturation ±0.2 and hue
    ±0.1 of a turn. Every random draw comes from ``rng``, so a run is reproducible and resumable.
    """
    b, _, r, _ = images.shape
    pad = r // 20
    padded = F.pad(images, (pad, pad, pad, pad), mode="reflect")
    out = torch.empty_like(images)
    for k in range(b):
        y, x = rng.integers(0, 2 * pad + 1, size=2)
        crop = padded[k, :, y:y + r, x:x + r]
        out[k] = crop.flip(-1) if rng.random() < 0.5 else crop
    jitter = torch.from_numpy(rng.uniform(-1, 1, size=(b, 4)).astype(np.float32))
    brightness = 1 + 0.3 * jitter[:, 0].view(b, 1, 1, 1)
    contrast = 1 + 0.2 * jitter[:, 1].view(b, 1, 1, 1)
    saturation = 1 + 0.2 * jitter[:, 2].view(b, 1, 1, 1)
    out = out * brightness
    grey = (0.299 * out[:, 0] + 0.587 * out[:, 1] + 0.114 * out[:, 2]).unsqueeze(1)
    out = (out - grey.mean(dim=(2, 3), keepdim=True)) * contrast + grey.mean(dim=(2, 3),
                                                                             keepdim=True)
    grey = (0.299 * out[:, 0] + 0.587 * out[:, 1] + 0.114 * out[:, 2]).unsqueeze(1)
    out = grey + (out - grey) * saturation
    return _rotate_hue(out, 0.1 * jitter[:, 3]).clamp(0, 1)


def _rotate_hue(rgb: torch.Tensor, turns: torch.Tensor) -> torch.Tensor:
    """Rotate hue by ``turns`` (fractions of a full turn) in YIQ space, per image."""
    to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322],
                           [0.211, -0.523, 0.312]])
    yiq = torch.einsum("ij,bjhw->bihw", to_yiq, rgb)
    angle = 2 * torch.pi * turns
    cos, sin = torch.cos(angle).view(-1, 1, 1), torch.sin(angle).view(-1, 1, 1)
    i, q = yiq[:, 1], yiq[:, 2]
    yiq = torch.stack((yiq[:, 0], cos * i - sin * q, sin * i + cos * q), dim=1)
    return torch.einsum("ij,bjhw->bihw", torch.linalg.inv(to_yiq), yiq)


@dataclass
class Batch:
    """One training batch: images in [-1, 1], source and target driving labels."""

    images: torch.Tensor  # B×3×R×R
    source: torch.Tensor  # B×17 the images' own AUs × au_scale (c_s), or B class indices
    target: torch.Tensor  # B×17 AUs of random images × au_scale + noise (c_t), or B classes


def sample_batch(faces: FaceSet, size: int, rng: np.random.Generator, *, au_scale: float,
                 au_noise: float = 0.1, train: bool = True) -> Batch:
    """A random batch; each target is the label of an image drawn from the whole set (spec §3.5)."""
    index = rng.integers(0, len(faces), size=size)
    other = rng.integers(0, len(faces), size=size)
    images = faces.images[index].float() / 255
    if train:
        images = augment(images, rng)
    if faces.classes is not None:  # class mode: a random image's class is the target
        return Batch(images * 2 - 1, faces.classes[index], faces.classes[other])
    target = faces.aus[other] * au_scale
    if train and au_noise:
        target = target + torch.from_numpy(
            rng.uniform(-au_noise, au_noise, size=target.shape).astype(np.float32))
    return Batch(images * 2 - 1, faces.aus[index] * au_scale, target)
