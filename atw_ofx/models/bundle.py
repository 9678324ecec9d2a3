"""Model bundles: a folder with ``weights.safetensors`` and ``manifest.json`` (ARCHITECTURE §2).

The manifest says what the weights are — architecture and its config, the AU list and how AUs
are scaled, the colour space of the model's encoding, where the training data came from, the
licence, the torch version, the weights' SHA-256 — and loading checks all of it: a bundle whose
manifest does not match its weights, or this build, is refused with one line naming the file.
Weights are safetensors, never pickle.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from ..atomic import write_text, write_with
from ..colour import DEFAULT_MODEL_SPACE
from ..conventions import AU_NAMES
from ..errors import ModelError
from .generator import Generator, GeneratorConfig

FORMAT, FORMAT_VERSION, ARCHITECTURE = "atw-bundle", 1, "atw-generator"
WEIGHTS, MANIFEST = "weights.safetensors", "manifest.json"


def sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_bundle(folder: str | os.PathLike, generator: Generator, *, name: str,
                training: dict | None = None, licence: str = "unspecified",
                colourspace: str = DEFAULT_MODEL_SPACE, half: bool = False) -> Path:
    """Write ``generator`` as a bundle (``half``: float16 weights, half the size)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if half and v.is_floating_point() else v).contiguous().cpu()
             for k, v in generator.state_dict().items()}
    write_with(folder / WEIGHTS, lambda tmp: save_file(state, tmp))
    config = generator.config
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "name": name,
        "architecture": ARCHITECTURE, "config": config.to_dict(),
        "driving": {"mode": config.driving,
                    "aus": list(AU_NAMES) if config.driving == "aus" else None,
                    "classes": list(config.class_names) or None,
                    "au_scale": config.au_scale},
        "colourspace": colourspace, "weights": WEIGHTS,
        "weights_sha256": sha256(folder / WEIGHTS),
        "dtype": "float16" if half else "float32",
        "torch_version": torch.__version__.split("+")[0],
        "training": training or {}, "licence": licence,
    }
    write_text(folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return folder


def load_bundle(path: str | os.PathLike, device: str = "cpu") -> tuple[Generator, dict]:
    """The generator (float32, eval mode) and the manifest of the bundle at ``path``.

    ``path`` is the bundle folder or its ``manifest.json``.

    Raises:
        ModelError: missing files, a manifest this build does not read, a checksum or
            state-dict mismatch — one line naming the file.
    """
    folder = Path(path)
    folder = folder.parent if folder.name == MANIFEST else folder
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"no {MANIFEST}: not a model bundle", path=str(folder))
    try:
        manifest = json.loads(manifest_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"manifest is not valid JSON: {exc}", path=str(manifest_path)) from None
    if not isinstance(manifest, dict):
        raise ModelError(f"manifest is a JSON {type(manifest).__name__}, not an object",
                         path=str(manifest_path))
    _check_manifest(manifest, manifest_path)
    weights = folder / str(manifest.get("weights", WEIGHTS))
    if folder.resolve() not in weights.resolve().parents:
        raise ModelError("the manifest's weights lie outside the bundle", path=str(weights))
    if not weights.is_file():
        raise ModelError("weights file missing", path=str(weights))
    if sha256(weights) != manifest.get("weights_sha256"):
        raise ModelError("weights do not match the manifest's SHA-256 (corrupt or replaced)",
                         path=str(weights))
    try:
        config = GeneratorConfig(**manifest["config"])
        with torch.device("meta"):  # shapes only: nothing allocated before they are checked
            expected = {k: v.shape for k, v in Generator(config).state_dict().items()}
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ModelError(f"manifest config: {exc}", path=str(manifest_path)) from None
    try:
        with safe_open(str(weights), "pt") as f:
            shapes = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except Exception as exc:  # safetensors' own error types: a truncated or forged header
        raise ModelError(f"not a safetensors file: {exc}", path=str(weights)) from None
    missing = sorted(set(expected) - set(shapes))
    unexpected = sorted(set(shapes) - set(expected))
    wrong = [k for k in expected if k in shapes and shapes[k] != tuple(expected[k])]
    if missing or unexpected or wrong:
        first = (f"missing {missing[0]}" if missing else f"unexpected {unexpected[0]}"
                 if unexpected else f"{wrong[0]} has shape {shapes[wrong[0]]}, "
                 f"the config needs {tuple(expected[wrong[0]])}")
        raise ModelError(f"weights do not fit the manifest's architecture ({first}; "
                         f"{len(missing) + len(unexpected) + len(wrong)} tensors differ)",
                         path=str(weights))
    generator = Generator(config)
    generator.load_state_dict({k: v.float() for k, v in load_file(str(weights)).items()})
    return generator.to(device).eval(), manifest


def _check_manifest(manifest: dict, path: Path) -> None:
    def refuse(what: str):
        raise ModelError(what, path=str(path))

    if manifest.get("format") != FORMAT:
        refuse(f"format {manifest.get('format')!r}, expected {FORMAT!r}")
    if manifest.get("format_version") != FORMAT_VERSION:
        refuse(f"format version {manifest.get('format_version')!r}: this build reads "
               f"{FORMAT_VERSION}")
    if manifest.get("architecture") != ARCHITECTURE:
        refuse(f"architecture {manifest.get('architecture')!r}, expected {ARCHITECTURE!r}")
    driving = manifest.get("driving") or {}
    if driving.get("mode") == "aus" and driving.get("aus") != list(AU_NAMES):
        refuse(f"AU list {driving.get('aus')} differs from this build's {list(AU_NAMES)}")
    if not isinstance(manifest.get("config"), dict):
        refuse("manifest has no config")
    if not isinstance(manifest.get("colourspace"), str):
        refuse("manifest names no colourspace (the model's encoding)")
