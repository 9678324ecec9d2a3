"""The face track: One-Euro smoothing, following one person, gap filling, the track file."""
import json

import cv2
import numpy as np
import pytest

from atw_ofx import colour
from atw_ofx.errors import InputError
from atw_ofx.face import Face
from atw_ofx.face.track import FaceTrack, OneEuro, fill_gaps, follow, inter_ocular
from atw_ofx.imageio import ImagePlate, read_image, write_image

from conftest import run_atw

TEMPLATE = np.random.default_rng(7).normal(0, 0.6, (68, 2))
TEMPLATE[36:42] = [-0.5, 0.0]  # right eye centre
TEMPLATE[42:48] = [0.5, 0.0]  # left eye centre: inter-ocular distance 1


def face_at(x: float, y: float, iod: float) -> Face:
    landmarks = TEMPLATE * iod + [x, y]
    half = 1.5 * iod
    return Face((x - half, y - half, x + half, y + half), landmarks)


def test_one_euro_keeps_a_constant_and_removes_jitter(rng):
    still = np.full((48, 4), 3.0)
    assert np.array_equal(OneEuro().zero_lag(still), still)
    noisy = still + rng.normal(0, 0.02, still.shape)  # 2% of an IOD: detector jitter
    smoothed = OneEuro().zero_lag(noisy)
    assert np.std(smoothed - still) < 0.3 * np.std(noisy - still)


def test_one_euro_zero_lag_follows_a_moving_head():
    t = np.arange(48, dtype=np.float64)[:, None]
    moving = 2.0 * t / 24.0  # 2 IOD per second
    smoothed = OneEuro().zero_lag(moving)
    causal = OneEuro().causal(moving)
    interior = slice(12, -12)  # away from where each pass starts
    assert np.abs(smoothed - moving)[interior].max() < 0.01
    assert np.abs(causal - moving)[interior].max() > 5 * np.abs(smoothed - moving)[interior].max()


def test_follow_keeps_the_person_when_another_face_grows_larger():
    frames = []
    for k in range(8):
        a = face_at(100 + 2 * k, 120, 40)  # the chosen person, drifting right
        b = face_at(320, 120, 30 + 6 * k)  # someone else, walking towards the camera
        frames.append(sorted([a, b], key=lambda f: -f.area))
    person = follow(frames, index=0)
    assert [lm[36:48].mean(0)[0] for lm in person] == pytest.approx([100 + 2 * k for k in range(8)])
    other = follow(frames, index=1)
    assert all(lm[36:48].mean(0)[0] == pytest.approx(320) for lm in other)


def test_follow_leaves_a_gap_rather_than_jump_to_someone_else():
    frames = [[face_at(100, 100, 40)], [face_at(400, 100, 40)], [face_at(104, 100, 40)]]
    person = follow(frames)
    assert person[1] is None
    assert person[2][36:48].mean(0)[0] == pytest.approx(104)


def test_fill_gaps_interpolates_by_frame_number():
    a, b = TEMPLATE * 10, TEMPLATE * 10 + [30.0, 0.0]
    filled = fill_gaps([1001, 1003, 1009], [a, None, b])
    assert np.allclose(filled[1], a + [7.5, 0.0])  # 2 of 8 frames along
    assert np.allclose(fill_gaps([1, 2, 3], [None, a, None]), a)  # held at both ends


def test_track_file_round_trips_exactly(tmp_path, rng):
    landmarks = TEMPLATE[None] * 50 + rng.uniform(0, 500, (5, 1, 2))
    track = FaceTrack([1001, 1002, 1003, 1004, 1005], landmarks, [True, False, True, True, True])
    track.save(tmp_path / "track.json")
    loaded = FaceTrack.load(tmp_path / "track.json")
    assert np.array_equal(loaded.landmarks, track.landmarks)
    assert loaded.missed == [1002]
    assert loaded.placement(1003).box == track.placement(1003).box
    assert np.array_equal(loaded.placement(1003).landmarks, track.landmarks[2])
    with pytest.raises(InputError, match="frame 1006 is not in the face track"):
        loaded.placement(1006)
    (tmp_path / "bad.json").write_text(json.dumps({"atw_track": 99}))
    with pytest.raises(InputError, match="bad.json: bad face track"):
        FaceTrack.load(tmp_path / "bad.json")


@pytest.fixture(scope="module")
def two_faces(tmp_path_factory):
    """Four frames with two real faces: the left one still, the right one growing past it (the
    shipped demo portrait's head, and the same mirrored: the tracker follows a place, not a
    person)."""
    from atw_ofx.demo import demo_face_path

    folder = tmp_path_factory.mktemp("two_faces")
    src = read_image(demo_face_path())
    linear = colour.convert(src.rgb(), src.colourspace, colour.DEFAULT_PLATE_SPACE)
    head = np.ascontiguousarray(linear[:min(linear.shape[:2]), :min(linear.shape[:2])])
    faces = [head, np.ascontiguousarray(head[:, ::-1])]
    for k, frame in enumerate(range(1, 5)):
        plate = np.zeros((640, 1280, 3), np.float32)
        left = cv2.resize(faces[0], (400, 400), interpolation=cv2.INTER_AREA)
        side = 300 + 100 * k  # 300 → 600: smaller, then larger than the left face
        right = cv2.resize(faces[1], (side, side), interpolation=cv2.INTER_AREA)
        plate[120:520, 40:440] = left
        plate[20:20 + side, 660:660 + side] = right
        write_image(folder / f"plate.{frame:04d}.exr",
                    ImagePlate.from_array(plate, ("R", "G", "B")))
    return folder


def test_atw_track_follows_the_first_frames_largest_face(two_faces, tmp_path):
    result = run_atw("track", str(two_faces / "plate.####.exr"), "-o", str(tmp_path / "t.json"))
    assert result.returncode == 0, result.stderr
    track = FaceTrack.load(tmp_path / "t.json")
    assert track.frames == [1, 2, 3, 4] and track.missed == []
    eyes_x = [lm[36:48].mean(0)[0] for lm in track.landmarks]
    assert all(40 < x < 440 for x in eyes_x), eyes_x  # the left face on every frame
    assert np.ptp(eyes_x) < 0.05 * inter_ocular(track.landmarks[0])  # it did not move

    result = run_atw("track", str(two_faces / "plate.####.exr"), "--face-index", "1",
                     "-o", str(tmp_path / "t1.json"))
    assert result.returncode == 0, result.stderr
    right = FaceTrack.load(tmp_path / "t1.json")
    assert all(x > 660 for x in (lm[36:48].mean(0)[0] for lm in right.landmarks))


def test_face_boxes_per_frame_crop_each_frame_where_the_host_tracked_it(sequence, tmp_path):
    """--face-boxes: a box per frame (a host's tracker) instead of one box or detection."""
    import json

    import OpenImageIO as oiio

    from conftest import run_atw

    boxes = {"1001": [60, 50, 400], "1002": [64, 52, 396]}
    path = tmp_path / "boxes.json"
    path.write_text(json.dumps(boxes))
    proc = run_atw("render", str(sequence / "plate.####.exr"), "--aus", str(sequence / "aus.json"),
                   "-o", str(tmp_path / "out" / "atw.####.exr"), "--frames", "1001-1002",
                   "--face-boxes", str(path), "-q")
    assert proc.returncode == 0, proc.stderr
    for frame, box in boxes.items():
        spec = oiio.ImageInput.open(str(tmp_path / "out" / f"atw.{frame}.exr")).spec()
        assert json.loads(spec.getattribute("atw:params"))["face_box"] == ",".join(map(str, box))
    proc = run_atw("render", str(sequence / "plate.####.exr"), "--au", "AU12=2",
                   "-o", str(tmp_path / "out2" / "atw.####.exr"), "--frames", "1001-1003",
                   "--face-boxes", str(path), "-q")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"atw: error: {sequence / 'plate.####.exr'} (frame 1003): "
                                   "no face box for this frame in --face-boxes")


def test_a_large_plate_is_searched_shrunk_and_measured_at_full_resolution():
    """4K: the search runs on the shrunk plate, the landmarks on the face's own region — the
    same landmarks as measuring on the whole plate converted to display."""
    from atw_ofx.bench.render import close_up
    from atw_ofx.face.detect import DETECT_MAX_SIDE, backend, detect_faces, to_rgb8

    plate, _ = close_up((2160, 3840), face_backend="dlib")
    rgb = plate.rgb()
    fast = detect_faces(rgb, plate.colourspace, backend_name="dlib")
    whole = backend("dlib").faces(to_rgb8(rgb, plate.colourspace),
                                  detect_scale=DETECT_MAX_SIDE / 3840)
    assert len(fast) == len(whole) >= 1
    assert np.abs(np.array(fast[0].box) - np.array(whole[0].box)).max() <= 3
    assert np.abs(fast[0].landmarks - whole[0].landmarks).max() <= 1.0
    assert fast[0].landmarks[:, 0].min() > 1000  # plate pixels, not the region's or the search's


def test_the_mesh_searches_a_large_plate_shrunk_and_measures_it_at_full_resolution():
    """4K, the mesh: detection on the shrunk plate, the mesh on crops of the full-resolution
    float plate — the same landmarks (0.5 % IOD mean) as the whole plate converted to display."""
    from atw_ofx.bench.render import close_up
    from atw_ofx.face.detect import backend, detect_faces, to_rgb8

    plate, _ = close_up((2160, 3840))
    rgb = plate.rgb()
    fast = detect_faces(rgb, plate.colourspace, backend_name="mesh")
    whole = backend("mesh").faces(to_rgb8(rgb, plate.colourspace), detect_scale=1.0)
    assert len(fast) == len(whole) == 1
    iod = np.linalg.norm(whole[0].landmarks[468] - whole[0].landmarks[473])
    err = np.linalg.norm(fast[0].landmarks - whole[0].landmarks, axis=1) / iod
    assert err.mean() < 0.005
    assert fast[0].landmarks[:, 0].min() > 1000  # plate pixels


def test_the_lips_and_lids_follow_a_talking_mouth_while_the_crop_stays_steady(shared_data,
                                                                            monkeypatch):
    """A talking run of a shared clip (liveportrait_d10 frames 20–32: the mouth 0.39 IOD open on
    27, closed on 31): tracked, the inner lips' gap is within 0.05 IOD of what the frame alone
    shows (smoothed with the head it lagged by 0.13 and 0.08); the crop box is the steady
    landmarks' — the same whatever the lips' smoothing."""
    import itertools

    from atw_ofx.face.track import track_faces
    from atw_ofx.imageio import decoded
    from atw_ofx.models.mouth import LOWER_INNER, UPPER_INNER, iris_axes
    from atw_ofx.video import read_codes
    import atw_ofx.face.track as track_module

    path = shared_data / "video" / "liveportrait_d10.mp4"
    plates = [(n, decoded(codes, colour.DEFAULT_DISPLAY_FILE_SPACE, str(path)))
              for n, codes in enumerate(itertools.islice(read_codes(path), 32), 1) if n >= 20]

    def gap(landmarks):
        _, down, iod = iris_axes(landmarks)
        apart = (landmarks[list(LOWER_INNER)] - landmarks[list(UPPER_INNER)]) @ down
        return float(np.median(apart[4:7])) / iod

    def tracked(frames):
        return track_faces(((n, lambda p=p: p) for n, p in frames), source=path.name)

    track = tracked(plates)
    for number in (27, 31):
        alone = tracked([(number, dict(plates)[number])])
        assert abs(gap(track.placement(number).landmarks)
                   - gap(alone.placement(number).landmarks)) < 0.05, number
    monkeypatch.setattr(track_module, "EXPRESSION_SMOOTHING", track_module.OneEuro())
    steady = tracked(plates)
    assert all(steady.placement(n).box == track.placement(n).box for n, _ in plates)
    assert gap(steady.placement(27).landmarks) < gap(track.placement(27).landmarks) - 0.05
