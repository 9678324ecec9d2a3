"""Reference landmarks from MediaPipe's own runtime, for the face-mesh parity record.

Run by hand in the throw-away environment of ``tools/convert_mediapipe.py`` (mediapipe 0.10.21
needs ``numpy<2``)::

    /tmp/mpenv/bin/python tools/mediapipe_reference.py [--plain] OUT.npz IMAGE...

For each image, MediaPipe's legacy FaceMesh (static images, ``refine_landmarks=True``: the
attention mesh with irises, 478 points) gives the largest face's points in pixels (x, y), saved
under the image's path (a shared face under its name inside ``shared/data``). ``--plain`` runs the mesh without refinement (468 points; the same
``face_landmark.tflite`` that ATW ships, so its crop and projection can be checked apart from the
iris step). ``benchmarks/face_mesh_parity.py`` compares ours against them.
"""
import sys

import cv2
import mediapipe as mp
import numpy as np


def main(out: str, images: list[str], refine: bool = True) -> None:
    found = {}
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=refine,
                                         max_num_faces=1) as mesh:
        for path in images:
            bgr = cv2.imread(path)
            result = mesh.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            if not result.multi_face_landmarks:
                print(f"{path}: no face")
                continue
            h, w = bgr.shape[:2]
            pts = result.multi_face_landmarks[0].landmark
            key = path.split("shared/data/", 1)[-1]  # shared faces by their data-folder name
            found[key] = np.array([[p.x * w, p.y * h] for p in pts], np.float64)
    np.savez(out, **found)
    print(f"{len(found)} of {len(images)} images -> {out}")


if __name__ == "__main__":
    plain = sys.argv[1] == "--plain"
    args = sys.argv[2:] if plain else sys.argv[1:]
    main(args[0], args[1:], refine=not plain)
