"""Reference outputs of the converted graphs, from the TFLite runtime (LiteRT), for the parity test.

Run by hand once per conversion, with ``ai-edge-litert`` installed beside ATW (it is not an ATW
dependency) and the ``mediapipe/modules`` folder of the mediapipe 0.10.21 wheel::

    pip install ai-edge-litert
    python tools/litert_reference.py MEDIAPIPE_MODULES tests/data/face_mesh_litert.npz

Each model runs on two inputs (:func:`model_input`): uniform noise in its value range (seeded)
and the demo portrait's face cut to the model's size (saved as ``<model>/face/image8``). Outputs
are saved as ``<model>/<case>/<tensor>``; ``tests/test_face_mesh.py`` rebuilds the same inputs,
runs the torch graphs and compares.
"""
import sys
from pathlib import Path

import cv2
import numpy as np

# Each model's input value range (MediaPipe's pre-processing) and the demo face's crop on the
# shipped portrait (x, y, side in its pixels; about the face with its surround).
RANGES = {"face_detection_short_range": (-1.0, 1.0), "face_landmark": (0.0, 1.0),
          "iris_landmark": (0.0, 1.0)}
CROPS = {"face_detection_short_range": (480, 180, 600), "face_landmark": (580, 278, 400),
         "iris_landmark": (667, 316, 140)}


def model_input(case: str, size: int, face8: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``1×size×size×3`` float32 in [lo, hi]: seeded noise, or the face crop (uint8) scaled."""
    unit = (np.random.default_rng(14).uniform(0, 1, (size, size, 3)) if case == "noise"
            else face8 / 255.0)
    return (lo + (hi - lo) * unit).astype(np.float32)[None]


def main(modules: str, out: str) -> None:
    from ai_edge_litert.interpreter import Interpreter  # only here: the tests import the rest

    from convert_mediapipe import MODELS

    portrait = cv2.cvtColor(cv2.imread(str(Path(__file__).resolve().parents[1] / "atw_ofx"
                                           / "data" / "demo_face.jpg")), cv2.COLOR_BGR2RGB)
    saved = {}
    for name, rel in MODELS.items():
        net = Interpreter(model_path=str(Path(modules) / rel))
        net.allocate_tensors()
        spec = net.get_input_details()[0]
        size = int(spec["shape"][1])
        lo, hi = RANGES[name]
        x, y, side = CROPS[name]
        face8 = cv2.resize(portrait[y:y + side, x:x + side], (size, size),
                           interpolation=cv2.INTER_AREA)
        saved[f"{name}/face/image8"] = face8
        for case in ("noise", "face"):
            image = model_input(case, size, face8, lo, hi)
            net.set_tensor(spec["index"], image)
            net.invoke()
            for d in net.get_output_details():
                saved[f"{name}/{case}/{d['name']}"] = net.get_tensor(d["index"])
    np.savez_compressed(out, **saved)
    print(f"{len(saved)} arrays -> {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
