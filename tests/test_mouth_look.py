"""The shot's own mouth (models.mouth_look): read by the face track where the mouth is open as
shot, carried by the track file, and the colours the generated cavity and teeth take."""
import dataclasses
import json

import conftest
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.face.track import FaceTrack, track_faces
from atw_ofx.imageio import read_image
from atw_ofx.models import LandmarkRig
from atw_ofx.models.mouth import (CAVITY_DEPTH, CAVITY_TOP, LOOK_DIM_MOST, OWN_HUE, fill_region,
                                  mouth_field)
from atw_ofx.models.mouth_look import MouthLook, measure, of_shot
from atw_ofx.render import RenderOptions, locate_face, render_frame

N = 128
CLIP = "liveportrait_d10.mp4"


def clip_frames(shared_data, numbers):
    """``(number, plate)`` of the talking clip's frames (from 1)."""
    return conftest.clip_frames(shared_data, CLIP, numbers)


def test_an_open_mouth_is_read_and_a_closed_one_is_not(shared_data):
    """An open smile (shared face 9): its dark is darker than its cheeks, its teeth lighter than
    its dark; a closed mouth (face 6) shows neither; an open one whose cheeks are not finite
    gives nothing either."""
    faces = shared_data / "plates" / "ffhq_atw"
    plate = read_image(faces / "9.png")
    mesh = locate_face(plate, options=RenderOptions()).landmarks
    dark, teeth = measure(plate.rgb(), mesh)
    assert dark.shape == (3,) and dark.mean() < 0.35
    assert teeth is not None and teeth.mean() > 3 * dark.mean()
    closed = read_image(faces / "6.png")
    closed_mesh = locate_face(closed, options=RenderOptions()).landmarks
    assert measure(closed.rgb(), closed_mesh) == (None, None)
    spoilt = plate.rgb().copy()
    spoilt[..., 0] = np.nan
    assert measure(spoilt, mesh) == (None, None)


def test_the_shot_takes_each_colours_median_over_the_frames_that_showed_it():
    frames = [(np.array([0.1, 0.05, 0.05]), None), (None, None),
              (np.array([0.3, 0.1, 0.2]), np.array([2.0, 2.0, 2.0])),
              (np.array([0.2, 0.2, 0.1]), None)]
    look = of_shot(frames)
    assert look.frames == 3
    assert np.allclose(look.dark, [0.2, 0.1, 0.1], atol=1e-4)
    assert np.allclose(look.teeth, [2.0, 2.0, 2.0])
    assert of_shot([(None, None)] * 4) is None


def test_the_track_file_carries_the_shots_mouth_exactly(shared_data, tmp_path):
    """``atw track`` on a talking run of a shared clip reads its mouth where it is open; saved
    and loaded, the track places every frame with the same mouth, bit for bit. A track written
    before the mouth was read loads without one; a malformed one is a bad track."""
    from atw_ofx.errors import InputError

    plates = clip_frames(shared_data, range(22, 30))
    track = track_faces(((n, lambda p=p: p) for n, p in plates), source=CLIP)
    assert track.mouth is not None and track.mouth.frames >= 3
    assert track.mouth.dark.mean() < 0.3 and track.mouth.teeth is not None
    track.save(tmp_path / "track.json")
    loaded = FaceTrack.load(tmp_path / "track.json")
    assert np.array_equal(loaded.mouth.dark, track.mouth.dark)
    assert np.array_equal(loaded.placement(25).mouth.teeth, track.mouth.teeth)
    data = json.loads((tmp_path / "track.json").read_text())
    del data["mouth"]
    (tmp_path / "older.json").write_text(json.dumps(data))
    assert FaceTrack.load(tmp_path / "older.json").placement(25).mouth is None
    data["mouth"] = {"dark": [0.1, -1.0, 0.2], "teeth": None, "frames": 2}
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="bad.json: bad face track: a mouth colour"):
        FaceTrack.load(tmp_path / "bad.json")


def test_the_cavity_takes_the_shots_dark_and_drawn_teeth_its_teeth(demo_mesh):
    """Given the shot's mouth, the shaded cavity's top is in the hue of the shot's dark
    (OWN_HUE of its balance, geometrically) and dimmed to its light (at most LOOK_DIM_MOST); a
    shot lighter inside than the cavity's darkest leaves the light alone; the teeth drawn under
    a closed mouth's lips take the shot's teeth's balance."""
    from atw_ofx.models.mouth import CAVITY_TINT

    mesh = demo_mesh[1]
    _, interior = mouth_field(mesh, 5.0, 5.0, N, hidden=1.0)
    assert interior.teeth is not None
    size = 256
    skin_balance = np.array([1.0, 0.6, 0.45], np.float32)
    plate = np.full((size, size, 3), 0.3, np.float32) * skin_balance
    dark_balance = np.array([2.0, 0.4, 0.6])
    base = CAVITY_DEPTH * CAVITY_TOP

    def fill(look):
        region = dataclasses.replace(interior, teeth=None) if look is None or look.teeth is None \
            else interior
        out, generated = fill_region(plate.copy(), plate, dataclasses.replace(region, look=look),
                                     (0, 1, 2))
        inside = generated.full(size) > 0.99
        rows = np.nonzero(inside.any(1))[0]
        top = inside & (np.arange(size)[:, None] < rows[0] + 0.2 * (rows[-1] - rows[0]))
        return out, inside, out[top].mean(0)

    _, _, plain = fill(None)
    _, _, dimmed = fill(MouthLook(dark_balance * 0.5 * base / dark_balance.mean(), None, 5))
    tinted = skin_balance * np.array(CAVITY_TINT)
    tinted = tinted / tinted.mean()
    own = skin_balance * dark_balance
    expected = tinted ** (1 - OWN_HUE) * (own / own.mean()) ** OWN_HUE
    assert np.allclose(dimmed / dimmed.mean(), expected / expected.mean(), rtol=0.03)
    assert dimmed.mean() == pytest.approx(0.5 * plain.mean(), rel=0.05)
    _, _, darkest = fill(MouthLook(np.full(3, 0.001), None, 5))
    assert darkest.mean() == pytest.approx(LOOK_DIM_MOST * plain.mean(), rel=0.05)
    _, _, light = fill(MouthLook(dark_balance * 2 * base / dark_balance.mean(), None, 5))
    assert light.mean() == pytest.approx(plain.mean(), rel=0.02)
    # Teeth: blue-white over the skin (their ratio to it), drawn in that balance.
    teeth_ratio = np.array([1.2, 2.0, 2.6])
    with_teeth, inside, _ = fill(MouthLook(np.full(3, 0.2), teeth_ratio, 5))
    without, _, _ = fill(MouthLook(np.full(3, 0.2), None, 5))
    teeth_px = inside & (np.abs(with_teeth - without).sum(-1) > 0.05)
    assert teeth_px.sum() > 50
    drawn = with_teeth[teeth_px].mean(0)
    target = skin_balance * teeth_ratio
    assert np.allclose(drawn / drawn.mean(), target / target.mean(), rtol=0.1)


def test_a_talking_clips_opened_mouth_is_steadier_in_the_shots_colours(shared_data):
    """A talking run of a shared clip opened by AU25 + AU26 at 5 (frames nearly closed, open and
    parting as shot): in the shot's colours the generated pixels' light against the cheeks
    spreads less than half as much over the frames as in each frame's own."""
    plates = clip_frames(shared_data, (23, 24, 33, 35, 37))
    track = track_faces(((n, lambda p=p: p) for n, p in plates), source=CLIP)
    aus = au_vector(parse_au_assignments(["AU25=5", "AU26=5"]))
    light = {"frame": [], "shot": []}
    for n, plate in plates:
        shot = track.placement(n)
        cheeks = np.mean([plate.rgb()[int(y), int(x)].mean()
                          for x, y in shot.landmarks[[205, 425]]])
        for name, face in (("frame", dataclasses.replace(shot, mouth=None)), ("shot", shot)):
            out = render_frame(plate, aus, LandmarkRig(), face=face,
                               options=RenderOptions(aovs=("generated",))).plate
            generated = out.pixels[..., out.channels.index("generated.A")] > 0.9
            light[name].append(out.pixels[..., :3][generated].mean() / cheeks)
    assert np.std(light["shot"]) < 0.5 * np.std(light["frame"])


def test_a_shot_look_colours_only_fills_of_three_colour_channels(demo_mesh):
    """A look leaves a fill that writes other than three colour channels exactly as without one
    (its colours are R, G, B ratios), and changes a three-channel one."""
    mesh = demo_mesh[1]
    _, interior = mouth_field(mesh, 5.0, 5.0, N)
    size = 192
    plate = np.random.default_rng(3).uniform(0.1, 0.4, (size, size, 4)).astype(np.float32)
    look = MouthLook(np.array([0.05, 0.02, 0.03]), np.array([1.5, 2.0, 2.5]), 4)
    two = fill_region(plate.copy(), plate, interior, (0, 1))[0]
    two_looked = fill_region(plate.copy(), plate, dataclasses.replace(interior, look=look),
                             (0, 1))[0]
    assert np.array_equal(two, two_looked)
    three = fill_region(plate.copy(), plate, interior, (0, 1, 2))[0]
    assert not np.array_equal(three, fill_region(
        plate.copy(), plate, dataclasses.replace(interior, look=look), (0, 1, 2))[0])


def test_atw_track_says_how_many_open_frames_gave_the_shots_mouth(shared_data, tmp_path):
    """`atw track` on a talking run names how many open frames its mouth was read on, and saves
    it; on a run where the mouth stays closed it says nothing of the mouth."""
    from conftest import run_atw

    clip = str(shared_data / "video" / CLIP)
    result = run_atw("track", clip, "--frames", "22-29", "-o", str(tmp_path / "talk.json"))
    assert result.returncode == 0, result.stderr
    mouth = FaceTrack.load(tmp_path / "talk.json").mouth
    assert mouth is not None
    assert f"the mouth's colours read on {mouth.frames} open frame(s)" in result.stderr
    closed = run_atw("track", str(shared_data / "video" / "liveportrait_d0.mp4"), "--frames",
                     "1-4", "-o", str(tmp_path / "closed.json"))
    assert closed.returncode == 0, closed.stderr
    assert FaceTrack.load(tmp_path / "closed.json").mouth is None
    assert "mouth" not in closed.stderr
