"""The shot's own lids (models.lid_look): their make-up read by the face track on the frames with
both eyes open, carried by the track file, and taken by every frame's shut lids alike."""
import json

import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.errors import InputError
from atw_ofx.face.track import FaceTrack, track_faces
from atw_ofx.imageio import read_image
from atw_ofx.models import LandmarkRig, eyelids
from atw_ofx.models.lid_look import QUANTUM, LidLook, measure, of_shot
from atw_ofx.render import RenderOptions, locate_face, render_frame
from conftest import clip_frames

#: A made-up performer talking (liveportrait_d10): frame by frame her lids read as made up on
#: some frames and not on others.
CLIP, FRAMES = "liveportrait_d10.mp4", [67, 73, 79, 85, 91, 97, 121, 127]


def test_a_made_up_face_reads_its_make_up_and_a_spoilt_one_nothing(shared_data):
    """Blue eyeshadow (shared face 9): both eyes' make-up bluer than the skin below them, sure
    (strength 1); a bare face (5) none; pixels that are not finite give nothing."""
    faces = shared_data / "plates" / "ffhq_atw"
    for name, strength in (("9.png", 1.0), ("5.png", 0.0)):
        plate = read_image(faces / name)
        make_up = measure(plate.rgb(), locate_face(plate, options=RenderOptions()).landmarks)
        assert make_up.shape[0] == 2 and make_up.shape[2] == 3
        assert [eyelids.make_up_strength(eye) for eye in make_up] == [strength] * 2
    plate = read_image(faces / "9.png")
    mesh = locate_face(plate, options=RenderOptions()).landmarks
    blue = np.median(measure(plate.rgb(), mesh), 1)
    assert (blue[:, 2] > blue[:, 0] + 1.0).all()
    spoilt = plate.rgb().copy()
    spoilt[..., 2] = np.nan
    assert measure(spoilt, mesh) is None
    # Eyes shut as shot (the mesh's lower lids on its upper ones): the band read would be the
    # shut lid's own lashes, not an open lid's make-up.
    shut = mesh.copy()
    for eye in eyelids.EYES:
        upper, lower = list(eye["upper"]), list(eye["lower"])
        shut[lower] = shut[upper][np.argmin(np.linalg.norm(
            shut[lower][:, None] - shut[upper][None], axis=-1), axis=1)] + (0.0, 1.0)
    assert measure(plate.rgb(), shut) is None


def test_the_shot_takes_the_median_over_the_frames_with_both_eyes_open():
    read = [np.full((2, 25, 3), v) for v in (0.1, 0.3, 0.2)]
    look = of_shot([read[0], None, read[1], read[2]])
    assert look.frames == 3 and np.allclose(look.make_up, 0.2, atol=QUANTUM)
    assert of_shot([None, None]) is None


def test_a_shots_lids_shut_in_one_make_up_where_its_frames_disagree(shared_data, monkeypatch):
    """Read frame by frame, the talking performer's make-up is sure on some frames and none on
    others (a shut lid's colour would pop from frame to frame); tracked as a shot, every frame's
    shut lids take the shot's, the same on each."""
    plates = dict(clip_frames(shared_data, CLIP, FRAMES))
    per_frame = []
    for plate in plates.values():
        make_up = measure(plate.rgb(), locate_face(plate, options=RenderOptions()).landmarks)
        if make_up is not None:
            per_frame.append(eyelids.make_up_strength(make_up[0]))
    assert max(per_frame) - min(per_frame) >= 0.5
    track = track_faces([(n, (lambda p=p: p)) for n, p in plates.items()], source="d10")
    assert track.lids is not None and track.lids.frames >= len(FRAMES) // 2
    drawn = []

    def recording(lid, original, colour):
        make_up = lid_make_up(lid, original, colour)
        drawn.append(make_up)
        return make_up

    lid_make_up = eyelids.lid_make_up
    monkeypatch.setattr(eyelids, "lid_make_up", recording)
    aus = au_vector(parse_au_assignments(["AU45=5"]))
    for n in FRAMES[:3]:
        render_frame(plates[n], aus, LandmarkRig(), face=track.placement(n))
    assert len(drawn) == 6
    for i, make_up in enumerate(drawn):
        np.testing.assert_array_equal(make_up, track.lids.make_up[i % 2].astype(np.float32))


def test_a_tracks_lids_round_trip_and_a_malformed_record_is_refused(shared_data, tmp_path):
    plates = dict(clip_frames(shared_data, CLIP, FRAMES[:2]))
    track = track_faces([(n, (lambda p=p: p)) for n, p in plates.items()], source="d10")
    path = tmp_path / "track.json"
    track.save(path)
    loaded = FaceTrack.load(path)
    np.testing.assert_array_equal(loaded.lids.make_up, track.lids.make_up)
    assert loaded.lids.frames == track.lids.frames
    assert loaded.placement(FRAMES[0]).lids == loaded.lids
    data = json.loads(path.read_text())
    data["lids"]["make_up"] = [[1.0, 2.0, 3.0]]
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="bad face track.*make-up"):
        FaceTrack.load(path)
    del data["lids"]  # a track written before the lids were read
    path.write_text(json.dumps(data))
    assert FaceTrack.load(path).lids is None
    assert LidLook.from_json(track.lids.to_json()).frames == track.lids.frames


def test_atw_track_says_how_many_frames_gave_the_shots_lids(shared_data, tmp_path):
    """`atw track` names how many frames with both eyes open its lids were read on, and saves
    them."""
    from conftest import run_atw

    out = tmp_path / "talk.json"
    result = run_atw("track", str(shared_data / "video" / CLIP), "--frames", "67-70", "-o",
                     str(out))
    assert result.returncode == 0, result.stderr
    lids = FaceTrack.load(out).lids
    assert lids is not None and lids.make_up.shape[:1] == (2,)
    assert f"the lids' make-up on {lids.frames} frame(s) with both eyes open" in result.stderr
