"""Landmark layouts: the 68-point iBUG view of any landmark array the face backends give.

Two layouts travel through ATW as plain ``N×2`` arrays (plate or crop pixels, x then y):
``N = 68`` (iBUG 300-W: jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, lips 48–67; dlib's
backend) and ``N = 478`` (MediaPipe's refined face mesh: 468 surface points, then the iris
centre and ring of the image-left eye 468–472 and of the other 473–477; the default ``mesh``
backend). Code written for the 68 semantics (crop box, matte, AU measures, the sparse rig) reads
:func:`ibug68`; code that needs the dense mesh checks :func:`is_mesh`.
"""
from __future__ import annotations

import numpy as np

N_IBUG = 68
N_MESH = 478
#: For each iBUG point, the mesh point at the same place on the face: the eye contours' six
#: points, brows, nose ridge and base, outer and inner lips, and for the jaw the mesh point
#: nearest dlib's (dlib's jaw runs inside the mesh's silhouette ring), chosen in mirror pairs.
#: Checked against dlib's 68 points on the shared faces (tests/test_face_mesh.py).
MESH_TO_IBUG68 = np.array([
    127, 234, 177, 215, 172, 136, 149, 148, 152, 377, 378, 365, 397, 435, 401, 454, 356,  # jaw
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,  # brows
    168, 197, 5, 4, 75, 97, 2, 326, 305,  # nose
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,  # eyes
    61, 39, 37, 0, 267, 269, 291, 321, 314, 17, 84, 91,  # outer lips
    78, 82, 13, 312, 308, 317, 14, 87,  # inner lips
])


def is_mesh(landmarks: np.ndarray) -> bool:
    """Whether ``landmarks`` (``N×2``) are the 478-point mesh."""
    return len(landmarks) == N_MESH


def ibug68(landmarks: np.ndarray) -> np.ndarray:
    """The 68-point iBUG view (``68×2``) of 68 or 478 landmarks; other counts are refused."""
    if len(landmarks) == N_IBUG:
        return landmarks
    if len(landmarks) == N_MESH:
        return landmarks[MESH_TO_IBUG68]
    raise ValueError(f"landmarks: got {len(landmarks)} points, expected {N_IBUG} or {N_MESH}")
