"""Would the independent mesh read a real shut eye as shut on this face? A check of the measure.

Run by hand in the throw-away environment of ``tools/convert_mediapipe.py`` (MediaPipe's runtime
needs ``numpy<2``), on the images two benchmarks write::

    python benchmarks/faces_in_general.py --blink-pairs FACES
    python benchmarks/blink_vs_real.py --pairs CLIPS
    /tmp/mpenv/bin/python tools/mediapipe_paste_check.py FACES CLIPS [--keep-dark]

For each face in FACES (``STEM.before.png`` and ``STEM.blink.png``) and each performer's shut
frame in CLIPS (``CLIP.real.png``), the performer's shut eyes — lid, line and lashes, an
ellipse around each eye scaled and turned onto the face's eye by the corners MediaPipe finds —
are pasted over our blink, and MediaPipe's eye aspect ratio after / before is printed beside
ours. ``--keep-dark`` keeps what is dark on the face as shot outside its open eyes (a glasses
frame) out of the paste. Where a real shut eye reads as open too, the reading is the mesh's, not
the blink's (docs/evaluation.md).
"""
import argparse
import glob
import os

import cv2
import mediapipe as mp
import numpy as np

#: Per eye: the corners, then the contour pairs of the eye aspect ratio (as atw_ofx.edits reads
#: it: two lid distances over the corners' distance).
EYES = ((33, 160, 158, 133, 153, 144), (362, 385, 387, 263, 373, 380))
CORNERS = ((33, 133), (263, 362))
#: Each eye's contour on MediaPipe's mesh, corner to corner over the top and back.
CONTOURS = ((33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7),
            (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249))


def aspect(points: np.ndarray) -> float:
    return float(np.mean([(np.linalg.norm(points[b] - points[f])
                           + np.linalg.norm(points[c] - points[e]))
                          / (2 * np.linalg.norm(points[a] - points[d]))
                          for a, b, c, d, e, f in EYES]))


def pasted(ours: np.ndarray, before: np.ndarray, ours_points: np.ndarray, real: np.ndarray,
           real_points: np.ndarray, keep_dark: bool) -> np.ndarray:
    """``ours`` (BGR uint8) with ``real``'s eyes laid over it, each by the similarity that
    takes the real eye's corners onto ours (``ours_points``: the face as shot, ``before``),
    inside a feathered ellipse around the eye; with ``keep_dark``, not over what is dark on the
    face as shot outside its open eyes (a glasses frame; the eyes' own lashes and iris, and our
    shut line between the lids, are pasted over)."""
    out = ours.astype(np.float32)
    h, w = ours.shape[:2]
    grey = cv2.cvtColor(before, cv2.COLOR_BGR2GRAY).astype(np.float32)
    for (a, b), contour in zip(CORNERS, CONTOURS):
        s0, s1, t0, t1 = real_points[a], real_points[b], ours_points[a], ours_points[b]
        vs, vt = s1 - s0, t1 - t0
        scale = np.linalg.norm(vt) / np.linalg.norm(vs)
        turn = np.arctan2(vt[1], vt[0]) - np.arctan2(vs[1], vs[0])
        rotate = scale * np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
        to_ours = np.hstack((rotate, (t0 - rotate @ s0)[:, None]))
        moved = cv2.warpAffine(real, to_ours, (w, h), flags=cv2.INTER_CUBIC).astype(np.float32)
        width, centre = float(np.linalg.norm(vt)), (t0 + t1) / 2
        mask = np.zeros((h, w), np.float32)
        cv2.ellipse(mask, (int(centre[0]), int(centre[1])), (int(0.75 * width), int(0.35 * width)),
                    float(np.degrees(np.arctan2(vt[1], vt[0]))), 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), 0.08 * width)
        if keep_dark:
            y0, x0 = int(max(centre[1] - 0.6 * width, 0)), int(max(centre[0] - width, 0))
            around = grey[y0:int(centre[1] + 0.4 * width), x0:int(centre[0] + width)]
            eye = np.zeros((h, w), np.uint8)
            cv2.fillPoly(eye, [np.round(ours_points[list(contour)]).astype(np.int32)], 1)
            grow = int(0.15 * width) * 2 + 1
            eye = cv2.dilate(eye, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow)))
            dark = cv2.dilate(((grey < 0.6 * np.median(around)) & (eye == 0)).astype(np.uint8),
                              np.ones((3, 3), np.uint8)).astype(np.float32)
            mask *= 1.0 - dark
        out = out * (1 - mask[..., None]) + moved * mask[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("faces", help="faces_in_general.py --blink-pairs folder")
    parser.add_argument("clips", help="blink_vs_real.py --pairs folder")
    parser.add_argument("--keep-dark", action="store_true",
                        help="keep what is dark outside the open eyes (a glasses frame) out of "
                        "the paste")
    args = parser.parse_args()
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True,
                                         max_num_faces=1) as mesh:
        def points(image: np.ndarray):
            found = mesh.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).multi_face_landmarks
            if not found:
                return None
            h, w = image.shape[:2]
            return np.array([[p.x * w, p.y * h] for p in found[0].landmark])

        donors = []
        for path in sorted(glob.glob(os.path.join(args.clips, "*.real.png"))):
            image = cv2.imread(path)
            found = points(image)
            if found is not None:
                donors.append((os.path.basename(path).split(".")[0], image, found))
        for path in sorted(glob.glob(os.path.join(args.faces, "*.before.png"))):
            stem = os.path.basename(path)[:-len(".before.png")]
            before, ours = cv2.imread(path), cv2.imread(path.replace(".before.", ".blink."))
            before_points, ours_points = points(before), points(ours)
            if before_points is None or ours_points is None:
                print(f"{stem}: no face found")
                continue
            opened = aspect(before_points)
            readings = []
            for name, real, real_points in donors:
                found = points(pasted(ours, before, before_points, real, real_points,
                                      args.keep_dark))
                readings.append("–" if found is None else f"{aspect(found) / opened:.2f}")
            print(f"{stem:<28} ours {aspect(ours_points) / opened:.2f}  real shut eyes pasted: "
                  + " ".join(readings))


if __name__ == "__main__":
    main()
