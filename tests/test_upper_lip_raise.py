"""AU10 (the upper lip raiser) on the mesh: on a mouth that hides its teeth the upper lip rises
whole off the lower and what it uncovers is generated (the upper teeth under it), never the lips'
gap stretched; a mouth that shows its teeth keeps the spline's lip, risen off teeth held as shot
(tests/test_gums.py)."""
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.face import CropBox, face_matte
from atw_ofx.imageio import read_image
from atw_ofx.models import mouth
from atw_ofx.models.rig import AU10_HIDDEN_FROM, RIG_TABLE, LandmarkRig
from atw_ofx.points import carried
from atw_ofx.render import RenderOptions, render_frame

N = 128


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def iod(points):
    return float(np.linalg.norm(points[473] - points[468]))


@pytest.fixture(scope="module")
def faces(shared_data):
    """Shared faces as read and where the product finds them: 13 (closed lips), 6 (a sliver of
    teeth between barely parted lips), 8 (teeth shown under a moustache), 2 (an open smile)."""
    out = {}
    for name in ("13", "6", "8", "2"):
        plate = read_image(shared_data / "plates" / "ffhq_atw" / f"{name}.png")
        out[name] = plate, render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    return out


def on_grid(face):
    return CropBox.from_landmarks(face.landmarks).to_crop(face.landmarks, N)


def test_the_mouths_rise_is_the_rigs_au10():
    """The mouth's model raises the lip as far as the spline's table does on a mouth showing its
    teeth: the same AU reads the same on either."""
    inner = [row for row in RIG_TABLE["AU10"] if 62 in row[0]]
    assert mouth.UPPER_LIP_AU10 == pytest.approx(-inner[0][2])


@pytest.mark.parametrize("name", ["13", "6"])
def test_a_mouth_hiding_its_teeth_has_its_upper_lip_raised_whole_off_the_lower(faces, name):
    """AU10 at 5 on closed lips and on a sliver of teeth: the upper lip's outer and inner edges
    rise by the AU's height, so the lip keeps its thickness; the lower lip stays; the gap
    between is an opening the renderer generates. Through the spline the gap stretched (a
    sliver of teeth into grey streaks, face 6) and no opening was made."""
    mesh = on_grid(faces[name][1])
    assert mouth.teeth_hidden(mesh) == 1.0
    field, regions = LandmarkRig().field_and_interior(mesh, aus("AU10=5"), face_matte(mesh, N))
    fine = mesh * (field.shape[-1] / N)
    size = iod(fine)

    def rise(i):  # where the point went, up, IOD
        return float(fine[i, 1] - carried(fine[[i]], field)[0, 1]) / size

    assert rise(0) == pytest.approx(mouth.UPPER_LIP_AU10, rel=0.15)  # the lip's top
    assert rise(13) == pytest.approx(rise(0), abs=0.01)  # its inner edge, as far
    for still in (14, 17):  # the lower lip's inner and outer edges
        assert abs(rise(still)) < 0.01, still
    openings = [r for r in regions or () if isinstance(r, mouth.GeneratedRegion)]
    assert len(openings) == 1
    polygon = openings[0].polygon
    half = len(polygon) // 2
    top, bottom = polygon[half // 2, 1], polygon[-1 - half // 2, 1]  # its middle column
    seam = (fine[13, 1] + fine[14, 1]) / 2  # the lips' midline: what is above goes up
    assert bottom == pytest.approx(seam, abs=0.01 * size)
    assert (bottom - top) / size == pytest.approx(mouth.UPPER_LIP_AU10, abs=0.01)


@pytest.mark.parametrize("name", ["13", "6"])
def test_what_a_raised_upper_lip_uncovers_is_generated(faces, name):
    """Rendered, every pixel of the middle columns from the raised lip down to the lips' midline
    is generated (the ``generated`` AOV whole), none of it stretched lips."""
    plate, face = faces[name]
    result = render_frame(plate, aus("AU10=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
    points = face.landmarks
    size = iod(points)
    midline = (points[list(mouth.UPPER_INNER)] + points[list(mouth.LOWER_INNER)]) / 2
    for dx in (-0.1, 0.0, 0.1):  # the middle and a tooth's width either side
        x = int(round(points[13, 0] + dx * size))
        seam = np.interp(x + 0.5, midline[:, 0], midline[:, 1])  # where the lips part there
        # (Short of the whole rise: the opening's top falls off a little a tooth's width out.)
        rows = np.arange(int(np.ceil(seam - 0.85 * mouth.UPPER_LIP_AU10 * size)),
                         int(np.floor(seam - 0.01 * size)))
        assert len(rows) > 10
        assert generated[rows, x].min() > 0.9, (dx, generated[rows, x].round(2))


def test_teeth_shining_between_the_lips_stay_and_the_lip_rises_from_its_own_edge():
    """Between barely parted lips that show teeth by their light (``lit``), the lip rises from its
    own inner edge, not the lips' midline: the opening's top is the inner edge raised; carried up
    from the midline, the upper half of the teeth as shot floated above the teeth drawn under it
    (a talking clip's frames). Unlit, the opening starts at the midline."""
    from atw_ofx.demo import demo_face_path
    from atw_ofx.face.detect import detect_face

    plate = read_image(demo_face_path())  # its teeth shine between its lips
    found = detect_face(plate.rgb(), plate.colourspace, backend_name="mesh")
    fine = CropBox.from_landmarks(found.landmarks).to_crop(found.landmarks, 2 * N)
    size = iod(fine)
    seam = (fine[13, 1] + fine[14, 1]) / 2
    assert (seam - fine[13, 1]) / size > 0.015  # parted enough to tell the two apart

    def opening_top(lit):
        _, region = mouth.mouth_field(fine, 0.0, 0.0, 2 * N, hidden=1.0, lit=lit, au10=5.0)
        half = len(region.polygon) // 2
        return region.polygon[half // 2, 1]

    assert opening_top(1.0) == pytest.approx(fine[13, 1] - mouth.UPPER_LIP_AU10 * size,
                                             abs=0.005 * size)
    assert opening_top(0.0) == pytest.approx(seam - mouth.UPPER_LIP_AU10 * size,
                                             abs=0.005 * size)


@pytest.mark.parametrize("name", ["8", "2"])
def test_a_mouth_showing_its_teeth_keeps_the_splines_raised_lip(faces, name):
    """Teeth shown as shot (face 8 by a third, an open smile whole) are held while the spline
    raises the lip off them and the gums are drawn: no opening is made for AU10 — the two mixed
    cut the teeth with a dark line."""
    mesh = on_grid(faces[name][1])
    assert mouth.teeth_hidden(mesh) < AU10_HIDDEN_FROM
    _, regions = LandmarkRig().field_and_interior(mesh, aus("AU10=5"), face_matte(mesh, N))
    assert not any(isinstance(r, mouth.GeneratedRegion) for r in regions or ())
