"""The lid skin a raised brow stretches (atw_ofx.models.brows)."""
import numpy as np
import pytest

from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.face import face_matte
from atw_ofx.face.layout import MESH_TO_IBUG68
from atw_ofx.imageio import read_image
from atw_ofx import colour
from atw_ofx.models.brows import (OFF_FRAME, STREAKS_FULL, StretchedSkin, hair_reach,
                                  off_the_frame, smooth_stretched, under_brows)
from atw_ofx.models.occluder import held_apart
from atw_ofx.models.eyelids import EYES
from atw_ofx.models.grain import relative_grain
from atw_ofx.models.jacobian import magnification
from atw_ofx.models.rig import LandmarkRig
from atw_ofx.points import carried
from atw_ofx.render import crop_planes, down, render_frame

N = LandmarkRig.resolution


def aus(*items):
    return au_vector(parse_au_assignments(list(items)))


def shared_mesh(shared_data, name):
    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    return face.box.to_crop(face.landmarks, N)


def model_view(shared_data, name):
    """A shared face's mesh on the rig's grid and its light as the rig reads it (``N×N``, the
    model's encoding, −1…1), made as the renderer makes them."""
    import torch

    plate = read_image(shared_data / "plates" / "ffhq_atw" / name)
    face = render_frame(plate, np.zeros(17, np.float32), LandmarkRig()).face
    crop = torch.from_numpy(crop_planes(plate.pixels, face.box, [0, 1, 2]))[None]
    small = down(crop, (N, N))[0].permute(1, 2, 0).numpy()
    luma = colour.to_model_space(small, plate.colourspace, LandmarkRig.colourspace).mean(-1)
    return face.box.to_crop(face.landmarks, N), luma


def rise_between(mesh, field, eye, place):
    """How far (IOD, up) the field carries the point ``place`` of the way from the upper lid's
    middle (0) to the brow's lower edge over it (1)."""
    iod = float(np.linalg.norm(mesh[473] - mesh[468]))
    k = field.shape[-1] / N
    lid, edge = mesh[eye["upper"][3]], mesh[list(eye["brow_edge"])][1:3].mean(0)
    point = (lid + place * (edge - lid))[None]
    return float(-(carried(point * k, field) / k - point)[0, 1] / iod)


@pytest.mark.parametrize("name", ["3.png", "6.png"])
def test_a_raised_brow_travels_whole(shared_data, name):
    """AU01 + AU02 at 5: each brow's lower edge (the mesh's) rises nearly as far as its top (the
    68-point view's brow) — the fold guard faded the field round the lower edge, which rose
    0.05–0.1 IOD less, and the brow came out thickened (faces 3, 6)."""
    mesh = shared_mesh(shared_data, name)
    iod = float(np.linalg.norm(mesh[473] - mesh[468]))
    field, regions = LandmarkRig().field_and_interior(mesh, aus("AU01=5", "AU02=5"),
                                                      face_matte(mesh, N))
    k = field.shape[-1] / N

    def rise(points):
        return -(carried(points * k, field) / k - points)[:, 1] / iod

    for eye, brow68 in zip(EYES, ((17, 18, 19, 20, 21), (22, 23, 24, 25, 26))):
        top = rise(mesh[MESH_TO_IBUG68[list(brow68)]]).mean()
        edge = rise(mesh[list(eye["brow_edge"])]).mean()
        assert top > 0.17 and edge > 0.85 * top, (top, edge)
    assert any(isinstance(r, StretchedSkin) for r in regions)


@pytest.mark.parametrize("name", ["13.png", "18.png", "6.png"])
def test_a_lowered_brow_travels_whole(shared_data, name):
    """AU04 at 5: the skin 0.08 IOD above each brow's top (the mesh's upper edge, under the
    brow's upper hairs) comes down as far as the top (≥ 0.95 of it on average along the brow,
    ≥ 0.85 everywhere). Between the top and the forehead's still pins it came 0.56–0.78 of it
    where least, and the upper hairs, stretched, were a grey haze over a brow drawn thin."""
    from atw_ofx.models.eyelids import face_down

    mesh = shared_mesh(shared_data, name)
    iod = float(np.linalg.norm(mesh[473] - mesh[468]))
    field, _ = LandmarkRig().field_and_interior(mesh, aus("AU04=5"), face_matte(mesh, N))
    k = field.shape[-1] / N
    down = face_down(mesh)

    def lowered(points):
        return (carried(points * k, field) / k - points) @ down / iod

    for brow68 in ((17, 18, 19, 20, 21), (22, 23, 24, 25, 26)):
        top = mesh[MESH_TO_IBUG68[list(brow68)]]
        share = lowered(top - 0.08 * iod * down) / lowered(top)
        assert lowered(top).mean() > 0.06 and share.mean() >= 0.95 and share.min() >= 0.85, \
            np.round(share, 2)


@pytest.mark.parametrize("name", ["13.png", "6.png"])
def test_a_frown_draws_the_brow_in_without_tearing_its_middle(shared_data, name):
    """AU04 at 5 draws the brows in, their inner points most: along each brow's top, no part is
    stretched more than 1.95× (the brow's hair drawn into blotches). The inward pull stepped from
    none at the second point to 0.06 IOD at the third, and there the brow's middle stretched
    2.0–2.4× (faces 6, 13)."""
    mesh = shared_mesh(shared_data, name)
    field, _ = LandmarkRig().field_and_interior(mesh, aus("AU04=5"), face_matte(mesh, N))
    k = field.shape[-1] / N
    for brow68 in ((17, 18, 19, 20, 21), (22, 23, 24, 25, 26)):
        tops = mesh[MESH_TO_IBUG68[list(brow68)]]
        t = np.linspace(0.0, 1.0, 9)[:-1, None]
        line = np.concatenate([a + t * (b - a) for a, b in zip(tops[:-1], tops[1:])]
                              + [tops[-1:]])
        moved = carried(line * k, field) / k
        stretch = np.linalg.norm(np.diff(moved, axis=0), axis=1) \
            / np.linalg.norm(np.diff(line, axis=0), axis=1)
        assert stretch.max() <= 1.95, np.round(stretch, 2)


def test_a_bushy_brow_carries_its_lowest_hair(shared_data):
    """Face 13's brows reach far below the mesh's edge, onto its ring above the lashes: their
    lowest hair is read (``hair_reach`` under 0.75 of the way from the lid to the edge) and
    rises with the brow (at 0.6 of the way, ≥ 0.75 of the brow's rise). Stretched between the
    ring and the edge instead, it rose 0.25–0.4 of it, drawn into strands (looked at)."""
    mesh, luma = model_view(shared_data, "13.png")
    assert (hair_reach(mesh, luma) < 0.75).all()
    field, _ = LandmarkRig().field_and_interior(mesh, aus("AU01=5", "AU02=5"),
                                                face_matte(mesh, N), luma=luma)
    for eye in EYES:
        assert rise_between(mesh, field, eye, 0.6) > 0.75 * rise_between(mesh, field, eye, 1.0)


@pytest.mark.parametrize("name", ["6.png", "14.png", "3.png"])
def test_hair_reach_is_the_edge_where_the_hair_ends_there(shared_data, name):
    """Brows whose hair ends at the mesh's edge read ≥ 0.85 of the way (the lid skin under them
    is lit); so does a deep-set eye's shadow under a lighter brow edge (face 3: read as hair
    from a lighter edge, 0.57 and 0.44, the lit lid below stretched into a light streak); a face
    without a brow darker than its lid skin reads the edge."""
    mesh, luma = model_view(shared_data, name)
    assert (hair_reach(mesh, luma) > 0.85).all()
    assert (hair_reach(mesh, np.full_like(luma, 0.2)) == 1.0).all()


def test_the_lid_skin_under_rising_brows_is_found_and_only_then(demo_mesh):
    """The mask lies between each eye's lashes and its brow's lower edge carried up: inside
    half way between them, not above the raised brow's top; none for a lowered brow."""
    _, mesh = demo_mesh
    rig = LandmarkRig()
    raised = rig.displacements(mesh, aus("AU01=5", "AU02=5"))
    mask = under_brows(mesh, raised, N)
    for eye, brow68 in zip(EYES, ((17, 18, 19, 20, 21), (22, 23, 24, 25, 26))):
        lashes = mesh[list(eye["lashes"])][3]
        edge = mesh[list(eye["brow_edge"])].mean(0) + raised[list(brow68)].mean(0)
        x, y = np.floor((lashes + edge) / 2).astype(int)
        assert mask[y, x] > 0.9
        top = mesh[MESH_TO_IBUG68[list(brow68)]].mean(0) + raised[list(brow68)].mean(0)
        x, y = np.floor(top - [0.0, 3.0]).astype(int)
        assert mask[y, x] < 0.01
    assert under_brows(mesh, rig.displacements(mesh, aus("AU04=5")), N) is None


def test_magnification_of_a_stretch_and_of_none():
    """A backward field that samples a third as far down as it goes magnifies 3× (its area);
    none, 1×."""
    y = np.arange(64, dtype=np.float64)[:, None] + np.zeros((1, 64))
    stretch = np.stack((np.zeros((64, 64)), -(2.0 / 3.0) * (y - 32.0)))
    assert np.allclose(magnification(stretch), 3.0, rtol=1e-4)
    assert np.allclose(magnification(np.zeros((2, 64, 64))), 1.0)


#: The stretch the tests below make: a crop of SIZE px on a GRID px field, its band (crop rows
#: 40–88, columns 24–104) a 4× vertical stretch, and where the cheeks lie below it (grid px).
SIZE, GRID = 128, 64
CHEEKS = np.array([[20.0, 57.0], [44.0, 57.0]])


def stretched_band(plate: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``plate`` (``SIZE²×3``) with its band's grain drawn out into vertical streaks (every row
    the band's middle row), the field that stretches it 4× over the band's rows on the grid
    (none elsewhere) and the lid skin's mask over it."""
    warped = plate.copy()
    warped[40:88, 24:104] = plate[64:65, 24:104]
    y = (np.arange(GRID) + 0.5)[:, None] + np.zeros((1, GRID))
    fy = np.where((y > 20) & (y < 44), -(3.0 / 4.0) * (y - 32.0), 0.0)
    field = np.stack((np.zeros((GRID, GRID)), fy)).astype(np.float32)
    mask = np.zeros((GRID, GRID), np.float32)
    mask[22:42, 14:50] = 1.0
    return warped, field, mask


def test_streaks_of_a_stretched_skin_are_smoothed_and_regrained(rng):
    """A 4× vertical stretch over a band of a grainy plate: its grain drawn out into vertical
    streaks (each column one value down the band). Made again: no streaks (neighbours down a
    column no longer alike), the plate's grain (its relative spread within a third), the same
    light; outside the band the warp's pixels exactly; the band generated."""
    size, grid = SIZE, GRID
    level = np.array([0.5, 0.35, 0.3], np.float32)
    plate = level * (1.0 + 0.04 * rng.standard_normal((size, size, 1)).astype(np.float32))
    plate = np.ascontiguousarray(np.broadcast_to(plate, (size, size, 3)), np.float32)
    warped, field, mask = stretched_band(plate)
    out, generated = smooth_stretched(warped.copy(), plate, StretchedSkin(mask, grid),
                                      (0, 1, 2), field)
    assert magnification(field)[32, 32] > STREAKS_FULL
    inner = (slice(50, 78), slice(36, 92))
    got = out[inner][..., 0]
    down_alike = np.corrcoef(got[:-1].ravel(), got[1:].ravel())[0, 1]
    assert down_alike < 0.5
    spread = relative_grain(out[inner])
    assert np.allclose(spread, relative_grain(plate[inner]), rtol=0.33)
    assert np.allclose(out[inner].mean((0, 1)), warped[inner].mean((0, 1)), rtol=0.02)
    outside = np.ones((size, size), bool)
    outside[30:98, 20:108] = False
    assert np.array_equal(out[outside], warped[outside])
    assert generated.full(size)[inner].min() > 0.99


def test_wide_streaks_are_smoothed_along_the_eye_line(rng):
    """Stretched pores and brow hairs are streaks several pixels wide: stripes 4 px wide under
    the same stretch kept half their contrast through the round blur of a streak's width; with
    the face's eye line known (the cheeks beside the nose, level here) the light is smoothed
    along it too, and the stripes are gone (under a fifth of their contrast) while the light
    down the band — across the line — keeps its gradient."""
    size, grid = SIZE, GRID
    level = np.array([0.5, 0.35, 0.3], np.float32)
    plate = level * (1.0 + 0.02 * rng.standard_normal((size, size, 1)).astype(np.float32))
    plate = np.ascontiguousarray(np.broadcast_to(plate, (size, size, 3)), np.float32)
    warped, field, mask = stretched_band(plate)
    x, y = np.meshgrid(np.arange(size), np.arange(size))
    stripes = 1.0 + 0.1 * np.sign(np.sin(2 * np.pi * (x + 0.5) / 8.0))
    ramp = 0.8 + 0.4 * (y - 40) / 48.0  # lighter down the band
    band = (slice(40, 88), slice(24, 104))
    warped[band] = (level * (stripes * ramp)[..., None])[band]  # stripes, not streaks
    cheeks = CHEEKS
    inner = (slice(50, 78), slice(40, 88))

    def stripe_contrast(image):
        columns = image[inner][..., 0].mean(0)
        trend = np.convolve(columns, np.ones(8) / 8, "valid")  # a stripe's period: no stripes
        return float(np.std(columns[4:4 + len(trend)] - trend))

    round_only, _ = smooth_stretched(warped.copy(), plate, StretchedSkin(mask, grid), (0, 1, 2),
                                     field)
    along, _ = smooth_stretched(warped.copy(), plate, StretchedSkin(mask, grid, cheeks, 64.0),
                                (0, 1, 2), field)
    given = stripe_contrast(warped)
    assert stripe_contrast(round_only) > 0.4 * given
    assert stripe_contrast(along) < 0.2 * given
    down = along[inner][..., 0].mean(1)
    assert down[-1] - down[0] > 0.5 * (ramp[77, 60] - ramp[50, 60]) * level[0]


def test_a_stretched_skin_is_regrained_no_more_than_the_cheeks(rng):
    """The same stretch over a plate whose band is coarse (hair: 5× the grain) and whose
    cheeks, outside it, have the plate's fine grain: read on the band alone, the regrain was
    the hair's (a speckle, face 13 under AU01 + AU02: 5× its forehead's grain); held to the
    cheeks', it is theirs (within a third)."""
    size, grid = SIZE, GRID
    level = np.array([0.5, 0.35, 0.3], np.float32)
    fine = 1.0 + 0.02 * rng.standard_normal((size, size, 1)).astype(np.float32)
    coarse = 1.0 + 0.1 * rng.standard_normal((size, size, 1)).astype(np.float32)
    plate = np.where(np.arange(size)[:, None, None] < 100, coarse, fine) * level
    plate = np.ascontiguousarray(np.broadcast_to(plate, (size, size, 3)), np.float32)
    warped, field, mask = stretched_band(plate)
    cheeks = CHEEKS  # rows 114 of the crop: the fine grain
    inner = (slice(50, 78), slice(36, 92))
    plain, _ = smooth_stretched(warped.copy(), plate, StretchedSkin(mask, grid), (0, 1, 2),
                                field)
    held, _ = smooth_stretched(warped.copy(), plate, StretchedSkin(mask, grid, cheeks, 32.0),
                               (0, 1, 2), field)
    cheek_grain = relative_grain(plate[104:124, 30:90])
    assert (relative_grain(plain[inner]) > 3 * cheek_grain).all()
    assert np.allclose(relative_grain(held[inner]), cheek_grain, rtol=0.33)


def test_a_stretched_skin_takes_the_cheeks_texture_not_only_their_grain(rng):
    """Skin with pores (detail a few pixels across: σ 1.5 px blobs) under the same stretch.
    Regrained with white noise of its grain's spread (no cheeks known), the band kept under half
    of the skin's fine detail (0.5–1.5 px) and read as a flat, airbrushed patch (faces 0, 6, 13,
    18 under AU01 + AU02, looked at); with the cheeks known it takes their texture, its fine
    detail within a third of the skin's — and no copy of it (spread anew)."""
    import cv2

    size, grid = SIZE, GRID
    level = np.array([0.5, 0.35, 0.3], np.float32)
    pores = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32), (0, 0), 1.5)
    skin = 1.0 + 0.06 * pores / pores.std() + 0.01 * rng.standard_normal((size, size))
    plate = np.ascontiguousarray(skin[..., None] * level, np.float32)
    warped, field, mask = stretched_band(plate)
    cheeks = CHEEKS
    inner = (slice(50, 78), slice(36, 92))

    def fine_energy(image):
        """The mean square of the light's detail between blurs of 0.5 and 1.5 px, relative."""
        luma = image.mean(-1) / image.mean()
        return float(np.mean((cv2.GaussianBlur(luma, (0, 0), 0.5)
                              - cv2.GaussianBlur(luma, (0, 0), 1.5)) ** 2))

    plain, _ = smooth_stretched(warped.copy(), plate, StretchedSkin(mask, grid), (0, 1, 2),
                                field)
    textured, _ = smooth_stretched(warped.copy(), plate, StretchedSkin(mask, grid, cheeks, 32.0),
                                   (0, 1, 2), field)
    skin_energy = fine_energy(plate[inner])
    assert fine_energy(plain[inner]) < 0.5 * skin_energy
    assert fine_energy(textured[inner]) == pytest.approx(skin_energy, rel=0.33)
    copied = np.corrcoef(textured[inner][..., 0].ravel(), plate[inner][..., 0].ravel())[0, 1]
    assert abs(copied) < 0.2


def test_the_skin_texture_stays_on_the_face_from_frame_to_frame_and_its_grain_does_not(rng):
    """texture_noise over frames: drawn with another frame's seed, from the cheek's patch read
    two pixels aside, its pores (detail above 1 px) are the same (correlated over 0.9) and its
    grain is not (under 0.5): a texture drawn anew every frame boiled on the lid; laid a step
    further on the crop, it is the same texture a step further; its spread is the patch's."""
    import cv2

    from atw_ofx.models.grain import fine_detail, texture_noise

    skin = cv2.GaussianBlur(rng.standard_normal((96, 96)).astype(np.float32), (0, 0), 1.5) \
        + 0.3 * rng.standard_normal((96, 96)).astype(np.float32)
    this, next_one = skin[20:68, 20:68], skin[22:70, 21:69]
    a = texture_noise(this, (120, 300), seed=1)
    b = texture_noise(next_one, (120, 300), seed=2)

    def pores(image):
        return cv2.GaussianBlur(image, (0, 0), 3.0)

    assert np.corrcoef(pores(a).ravel(), pores(b).ravel())[0, 1] > 0.9
    assert np.corrcoef(fine_detail(a).ravel(), fine_detail(b).ravel())[0, 1] < 0.5
    moved = texture_noise(this, (120, 300), seed=1, origin=(7, 11))
    np.testing.assert_array_equal(moved[:-7, :-11], a[7:, 11:])
    assert a.std() == pytest.approx(this.std(), rel=0.2)


def test_a_cheek_off_the_crop_gives_its_texture_to_neither_side(rng):
    """A face half out of the frame: a cheek's square off the crop is passed over (its empty
    window reached the blur, which raised), the other's texture is taken; none on the crop,
    none at all."""
    from atw_ofx.models.brows import _cheek_texture

    plate = (0.5 + 0.05 * rng.standard_normal((100, 100, 3))).astype(np.float32)
    one_off = np.array([[-60.0, -60.0], [50.0, 50.0]])
    texture = _cheek_texture(plate, one_off, 200.0, [0, 1, 2], (1.0, 0.0), (10, 12), (0, 0))
    assert texture.shape == (10, 12) and texture.std() > 0.0
    assert _cheek_texture(plate, one_off - 200.0, 200.0, [0, 1, 2], (1.0, 0.0), (10, 12),
                          (0, 0)) is None


def test_hair_reach_is_not_read_through_a_glasses_frame(shared_data):
    """A frame bar as dark as the brow just under face 6's brows (0.72–0.86 of the way from the
    lid to the brow's edge) read as hair carried the bar's skin up with the brow; given as the
    occluder it is not read, and the hair ends where it did (at the frame, ≥ 0.85)."""
    import cv2

    mesh, luma = model_view(shared_data, "6.png")
    framed = np.zeros_like(luma, np.float32)
    for eye in EYES:
        upper, edge = mesh[list(eye["upper"])], mesh[list(eye["brow_edge"])]
        by = np.argsort(edge[:, 0])
        over = np.stack([upper[:, 0], np.interp(upper[:, 0], edge[by, 0], edge[by, 1])], 1)
        low, high = (upper + t * (over - upper) for t in (0.72, 0.86))
        bar = np.concatenate((low, high[::-1]))
        cv2.fillPoly(framed, [np.round((bar - 0.5) * 8).astype(np.int32)], 1.0, shift=3)
    edges = np.round(mesh[[i for eye in EYES for i in eye["brow_edge"]]] - 0.5).astype(int)
    brow = float(np.median(luma[edges[:, 1], edges[:, 0]]))  # the brow's light at its edge
    dark = np.where(framed > 0, brow, luma).astype(np.float32)
    assert (hair_reach(mesh, dark) < 0.8).all()  # read as hair: the bar went up with the brow
    assert (hair_reach(mesh, dark, framed) >= 0.85).all()


def test_the_skin_off_a_frame_is_where_a_brow_rising_was_held_off_its_top_bar():
    """A bar across rows 40-43 of a 64 px grid; the face above it rises 8 px (a backward field:
    every pixel takes its source 8 px below). Held off the bar, the sources just above it pile up
    in the strip beside it: what the rise uncovered (up to ~8 + 2.5 px above the bar) is where
    the skin is made again, whole where they were moved OFF_FRAME[1] or more; nowhere else — not
    far above the bar, where the sources were free, nor below the line given (inside a lens,
    where a lid rising towards its rim is held off it too), nor where the face moved down."""
    n, down = 64, np.array([0.0, 1.0])
    bar = np.zeros((n, n), bool)
    bar[40:44, 8:56] = True
    rise = np.zeros((2, n, n), np.float32)
    rise[1, :40] = 8.0
    moved = held_apart(rise, bar) - rise
    off = off_the_frame(rise, held_apart(rise, bar), down, 40.0, bar)
    assert off is not None
    column = off[:, 32]
    assert column[34:40].min() > 0.95  # the strip the rise uncovered, whole down to the bar
    assert column[:24].max() < 0.05  # the brow, risen whole: its sources were free
    assert np.hypot(*moved)[34:40, 32].min() >= OFF_FRAME[1]  # (held off by that much)
    # Only above the line given: the same rise held off the bar's underside (a lid inside a
    # lens rising towards its rim) is no brow's.
    below = np.zeros((2, n, n), np.float32)
    below[1, 44:] = 8.0
    assert off_the_frame(below, held_apart(below, bar), down, 40.0, bar) is None
    # Nor a face moving down onto the bar from above (AU04): its sources are free.
    lower = np.zeros((2, n, n), np.float32)
    lower[1, :40] = -8.0
    assert off_the_frame(lower, held_apart(lower, bar), down, 40.0, bar) is None
