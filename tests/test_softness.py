"""What the rig draws into a plate is as soft as the plate: the blur read off its edges, the
drawn region blurred by what it lacks (atw_ofx/models/softness.py)."""
import cv2
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.imageio import ImagePlate, read_image
from atw_ofx.models import mouth, softness
from atw_ofx.models.rig import LandmarkRig
from atw_ofx.render import RenderOptions, render_frame


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def drawn_edges(rng, side=240):
    """Ellipses of random light drawn sharp (area-sampled from a 4× raster), float32."""
    big = np.zeros((4 * side, 4 * side), np.float32)
    for _ in range(40):
        centre = tuple(int(v) for v in rng.integers(0, 4 * side, 2))
        axes = tuple(int(v) for v in rng.integers(20, 150, 2))
        cv2.ellipse(big, centre, axes, float(rng.uniform(0, 180)), 0, 360,
                    float(rng.uniform(0.1, 1.0)), -1)
    return cv2.resize(big, (side, side), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("sigma", [1.0, 2.0, 3.0])
def test_the_blur_of_edges_is_read_back(rng, sigma):
    """Sharp edges blurred by a known σ (and a little noise) read as that blur added in squares
    to what a sharp edge reads (``DRAWN``), within a tenth; drawn sharp they read ``DRAWN``."""
    edges = drawn_edges(rng)
    assert softness.edge_blur(edges) == pytest.approx(softness.DRAWN, rel=0.1)
    soft = cv2.GaussianBlur(edges, (0, 0), sigma)
    soft += rng.normal(0.0, 0.005, soft.shape).astype(np.float32)
    read = softness.edge_blur(soft)
    assert read == pytest.approx(np.hypot(softness.DRAWN, sigma), rel=0.1)
    assert softness.lacking(read) == pytest.approx(sigma, rel=0.15)


def test_a_window_without_edges_reads_no_blur():
    """Flat, a smooth ramp of light (every gradient alike: read as endlessly soft before edges
    had to stand out) or too small: no blur read, none lacking."""
    assert softness.edge_blur(np.full((40, 40), 0.5, np.float32)) == 0.0
    ramp = np.repeat(np.linspace(0.1, 0.9, 60, dtype=np.float32)[:, None], 80, 1)
    assert softness.edge_blur(ramp) == 0.0
    assert softness.edge_blur(np.zeros((5, 40), np.float32)) == 0.0
    assert softness.lacking(0.5) == 0.0


def test_a_region_is_laid_softly_only_where_it_lies(rng):
    """Laid with no blur: the plain composite. Blurred: far inside a flat region its own colour,
    far outside it what lies there, bit for bit; across its outline a ramp as wide as the blur
    (not a one-pixel step)."""
    under = rng.uniform(0.2, 0.8, (60, 80, 3)).astype(np.float32)
    drawn = np.full_like(under, 0.05)
    weight = np.zeros((60, 80), np.float32)
    weight[20:40, 20:60] = 1.0
    plain = softness.laid_softly(under, drawn, weight, 0.0)
    assert np.array_equal(plain, under + weight[..., None] * (drawn - under))
    soft = softness.laid_softly(under, drawn, weight, 2.0)
    assert np.array_equal(soft[:, :8], under[:, :8])  # 12 px out: untouched
    assert np.allclose(soft[28:32, 36:44], 0.05, atol=1e-6)  # 8 px in: the region's own
    row = soft[30, 10:30].mean(-1)  # across its left outline (at x = 20)
    assert 0.1 < row[9] < row[6] and row[13] < 0.08  # a ramp a few px wide, dark by 3 px in


@pytest.fixture(scope="module")
def soft_closed_mouth(shared_data):
    """Shared face 13 (closed lips) as soft footage: blurred by σ = 2.5 px."""
    plate = read_image(shared_data / "plates" / "ffhq_atw" / "13.png")
    pixels = cv2.GaussianBlur(np.ascontiguousarray(plate.pixels), (0, 0), 2.5)
    soft = ImagePlate.from_array(pixels, plate.channels, plate.colourspace)
    return soft, render_frame(soft, np.zeros(17, np.float32), LandmarkRig()).face


def _opening_blur(plate, face):
    """The edge blur of the rendered mouth's window under AU25 + AU26 at 3, and of the plate's."""
    result = render_frame(plate, aus("AU25=3", "AU26=3"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    generated = result.plate.pixels[..., result.plate.channels.index("generated.A")]
    ys, xs = np.nonzero(generated > 0.5)
    margin = 10
    window = (slice(ys.min() - margin, ys.max() + margin),
              slice(xs.min() - margin, xs.max() + margin))

    def blur(pixels):
        return softness.edge_blur(softness.display_luma(pixels[window][..., :3]))

    return blur(result.plate.pixels), blur(plate.pixels)


def test_an_opening_drawn_into_soft_footage_is_as_soft(soft_closed_mouth, monkeypatch):
    """Opened on soft footage, the mouth's window reads about as soft as the plate's was there
    (the opening's outline and its drawn teeth its strongest edges); drawn sharp (the softening
    off), a good deal sharper — a cut-out on soft lips."""
    plate, face = soft_closed_mouth
    rendered, as_shot = _opening_blur(plate, face)
    assert as_shot > 2.0
    assert rendered == pytest.approx(as_shot, rel=0.25)
    monkeypatch.setattr(mouth, "SOFT_FROM", np.inf)
    sharp, _ = _opening_blur(plate, face)
    assert sharp < 0.75 * as_shot


def _as_shot_opening(face, shape, erode):
    """The mouth's opening between the inner lips as shot (bool ``H×W``), eroded by ``erode``
    px (grown, negative; its outline is rasterised on the crop a little differently)."""
    inner = face.landmarks[list(mouth.UPPER_INNER) + list(mouth.LOWER_INNER)[-2:0:-1]]
    opening = np.zeros(shape, np.uint8)
    cv2.fillPoly(opening, [np.round(inner - 0.5).astype(np.int32)], 1)
    disk = np.ones((2 * abs(erode) + 1,) * 2, np.uint8)
    return (cv2.erode if erode >= 0 else cv2.dilate)(opening, disk) > 0


def _open_smile(plate, face, soft_from, monkeypatch):
    """``plate`` under AU26 at 5 with ``mouth.SOFT_FROM`` at ``soft_from``: its RGB and its
    generated mask."""
    monkeypatch.setattr(mouth, "SOFT_FROM", soft_from)
    result = render_frame(plate, aus("AU26=5"), LandmarkRig(), face=face,
                          options=RenderOptions(aovs=("generated",)))
    pixels = result.plate.pixels
    return pixels[..., :3], pixels[..., result.plate.channels.index("generated.A")]


def test_an_opening_under_teeth_shown_as_shot_keeps_them_as_drawn(shared_data, monkeypatch):
    """Under an open smile's teeth the opening meets the real teeth's edges: blurred with them,
    their tips went soft and the cavity under them took a light seam. Inside the opening as
    shot (teeth, gums) what the fill does not cover is the same with every blur drawn and with
    none; beside it, towards the lips, the blur is drawn."""
    plate = read_image(shared_data / "plates" / "ffhq_atw" / "2.png")
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    softened, generated = _open_smile(plate, face, 0.0, monkeypatch)
    sharp, _ = _open_smile(plate, face, np.inf, monkeypatch)
    as_shot = _as_shot_opening(face, generated.shape, 2)
    teeth = as_shot & (generated == 0.0)
    assert teeth.sum() > 2000
    assert np.array_equal(softened[teeth], sharp[teeth])
    outside = ~_as_shot_opening(face, generated.shape, -3)
    assert (np.abs(softened - sharp).max(-1)[outside] > 1e-3).sum() > 500


@pytest.mark.parametrize("name", ["2", "17"])
def test_an_open_smile_opened_on_soft_footage_is_as_soft_by_its_lips(shared_data, name,
                                                                       monkeypatch):
    """An open smile on soft footage (σ = 2.5 px) with its jaw dropped: the lower third of what
    is generated — the cavity's outline against the lower lip, the lower teeth — reads about as
    soft as the plate there; drawn sharp (the softening off), a cut-out."""
    plate = read_image(shared_data / "plates" / "ffhq_atw" / f"{name}.png")
    pixels = cv2.GaussianBlur(np.ascontiguousarray(plate.pixels), (0, 0), 2.5)
    plate = ImagePlate.from_array(pixels, plate.channels, plate.colourspace)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    rendered, generated = _open_smile(plate, face, mouth.SOFT_FROM, monkeypatch)
    sharp, _ = _open_smile(plate, face, np.inf, monkeypatch)
    ys, xs = np.nonzero(generated > 0.5)
    window = (slice(ys.min() + 2 * (ys.max() - ys.min()) // 3, ys.max() + 10),
              slice(xs.min() - 10, xs.max() + 10))

    def blur(rgb):
        return softness.edge_blur(softness.display_luma(np.ascontiguousarray(rgb[window])))

    as_shot = blur(plate.pixels[..., :3])
    assert blur(rendered) == pytest.approx(as_shot, rel=0.3)
    assert blur(sharp) < 0.6 * as_shot


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_the_light_is_read_off_any_number_of_channels(rng, channels):
    """A fill writes the plate's colour channels, however many (a mono plate one, a fill of two
    channels two): their light is read all the same, RGB as luma, others as their mean."""
    colour = rng.uniform(0.0, 1.0, (20, 30, channels)).astype(np.float32)
    luma = softness.display_luma(colour)
    assert luma.shape == (20, 30)
    weights = [0.299, 0.587, 0.114] if channels == 3 else [1.0 / channels] * channels
    assert np.allclose(luma, np.sqrt(colour @ np.array(weights, np.float32)), atol=1e-3)
