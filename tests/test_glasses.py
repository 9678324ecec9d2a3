"""Glasses frames: found on the face, and held still while it moves behind them."""
import cv2
import numpy as np
import pytest

from atw_ofx import colour
from atw_ofx.aus import au_vector, parse_au_assignments
from atw_ofx.errors import ATWError
from atw_ofx.face.detect import detect_face
from atw_ofx.face.glasses import (WORK_EYE, behind_frame, bridge_strength, bridge_window,
                                  frame_mask, wears_glasses)
from atw_ofx.face.layout import ibug68
from atw_ofx.imageio import ImagePlate, read_image
from atw_ofx.models import load_model
from atw_ofx.render import RenderOptions, render_frame


def _draw_frame(rgb8: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, ...]:
    """``rgb8`` with a dark glasses frame drawn on — an oval rim round each eye, a bridge over
    the nose and the temples' start — the frame's pixels and those of its rims and bridge
    alone (``H×W`` bool; the temples are not looked for)."""
    points = ibug68(landmarks)
    drawn = np.zeros(rgb8.shape[:2], np.uint8)
    eyes = [points[36:42], points[42:48]]
    width = float(np.mean([np.linalg.norm(e[3] - e[0]) for e in eyes]))
    thickness = max(int(round(0.05 * width)), 2)
    rims = []
    for eye, side in zip(eyes, (-1, 1)):
        centre = eye.mean(0) + [0.05 * side * width, 0.1 * width]
        axes = (int(0.8 * width), int(0.55 * width))
        cv2.ellipse(drawn, tuple(int(v) for v in centre), axes, 0, 0, 360, 1, thickness)
        rims.append(centre)
    inner = [rims[0] + [0.8 * width, -0.2 * width], rims[1] - [0.8 * width, 0.2 * width]]
    cv2.line(drawn, tuple(int(v) for v in inner[0]), tuple(int(v) for v in inner[1]), 1,
             thickness)
    front = drawn > 0
    for centre, side in zip(rims, (-1, 1)):
        temple = centre + [side * 0.8 * width, -0.2 * width]
        cv2.line(drawn, tuple(int(v) for v in temple),
                 tuple(int(v) for v in temple + [side * 0.6 * width, 0]), 1, thickness)
    out = rgb8.copy()
    out[drawn > 0] = (18, 16, 15)
    return out, drawn > 0, front


@pytest.fixture(scope="module")
def bespectacled(portrait_path):
    """The shipped portrait with and without a drawn frame, as linear plates, its mesh and the
    frame's pixels."""
    plate = read_image(portrait_path)
    face = detect_face(plate.rgb(), plate.colourspace, backend_name="mesh")
    rgb8 = cv2.cvtColor(cv2.imread(str(portrait_path)), cv2.COLOR_BGR2RGB)
    framed, drawn, front = _draw_frame(rgb8, face.landmarks)

    def linear(image):
        lin = colour.convert(image.astype(np.float32) / 255, colour.DEFAULT_DISPLAY_FILE_SPACE,
                             colour.DEFAULT_PLATE_SPACE)
        return ImagePlate.from_array(np.ascontiguousarray(lin), ("R", "G", "B"),
                                     colour.DEFAULT_PLATE_SPACE)

    return linear(framed), linear(rgb8), face.landmarks, drawn, front, framed, rgb8


def test_a_frame_is_found_where_it_is_drawn_and_not_on_a_bare_face(bespectacled):
    _, _, landmarks, drawn, front, framed, bare = bespectacled
    grey = lambda rgb8: cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255  # noqa: E731
    assert frame_mask(grey(bare), landmarks) is None
    found = frame_mask(grey(framed), landmarks)
    assert found is not None
    eyes = ibug68(landmarks)[36:48]
    width = np.linalg.norm(eyes[3] - eyes[0])
    # The rims and the bridge, nearly all of them...
    assert (found & front).sum() / front.sum() > 0.9
    # ...and little else: what was found lies on the frame or within its anti-aliased edge.
    grown = cv2.dilate(drawn.astype(np.uint8), np.ones((int(0.2 * width) | 1,) * 2, np.uint8))
    assert (found & ~grown.astype(bool)).sum() / found.sum() < 0.05


def _light_top_frame(bare: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, ...]:
    """``bare`` (RGB8) with a frame dark below the eyes and light (translucent) on top, with a
    band of half the skin's light resting on each top bar as a brow does; and the dark rims'
    and bridge's pixels, the light bars' and the resting bands' (``H×W`` bool each)."""
    points = ibug68(landmarks)
    eyes = [points[36:42], points[42:48]]
    width = float(np.mean([np.linalg.norm(e[3] - e[0]) for e in eyes]))
    thickness = max(int(round(0.05 * width)), 2)
    band = max(int(round(0.12 * width)), 3)
    dark, light, brow = (np.zeros(bare.shape[:2], np.uint8) for _ in range(3))
    rims = []
    for eye, side in zip(eyes, (-1, 1)):
        centre = tuple(int(v) for v in eye.mean(0) + [0.05 * side * width, 0.1 * width])
        axes = (int(0.8 * width), int(0.55 * width))
        cv2.ellipse(dark, centre, axes, 0, 0, 180, 1, thickness)  # below the eye
        cv2.ellipse(light, centre, axes, 0, 180, 360, 1, thickness)
        out = (axes[0] + (thickness + band) // 2, axes[1] + (thickness + band) // 2)
        cv2.ellipse(brow, centre, out, 0, 220, 320, 1, band)
        rims.append(np.array(centre, float))
    inner = [rims[0] + [0.8 * width, -0.2 * width], rims[1] - [0.8 * width, 0.2 * width]]
    cv2.line(dark, tuple(int(v) for v in inner[0]), tuple(int(v) for v in inner[1]), 1,
             thickness)
    drawn = bare.copy()
    drawn[light > 0] = (150, 148, 145)
    # Brow hair: about half the skin's light (a dark frame: a tenth of it).
    resting = (brow > 0) & (light == 0)
    drawn[resting] = (bare[resting].mean(0) * 0.5).astype(np.uint8)
    drawn[dark > 0] = (18, 16, 15)
    return drawn, dark > 0, (light > 0) & (dark == 0), resting


def test_a_light_top_bar_is_held_and_the_brow_on_it_is_not(bespectacled):
    """A frame whose rims are dark below the eyes and light on top, a brow resting on each top
    bar: the darker line there is the brow, and held as frame it stayed while the brow moved (a
    jagged fringe under a frown); the bar itself, left to bend with the face, tore from the dark
    rims held beside it under a raise. The rims below and the bridge are found as frame, the
    light bars are held by their place (their matte), the brow is neither."""
    from atw_ofx.face.glasses import (_working_scale, dark_lines, find_frame, find_rim,
                                      light_top_bars)

    _, _, landmarks, _, _, framed, bare = bespectacled
    drawn, dark, light, resting = _light_top_frame(bare, landmarks)
    grey = cv2.cvtColor(drawn, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255

    def light_top(grey):
        small, _, eye_contours = _working_scale(grey, landmarks)
        response = dark_lines(small, WORK_EYE)
        return light_top_bars([find_rim(response, eye) for eye in eye_contours])

    # The frame's top bars read as light here, not on a frame dark all round.
    assert light_top(grey)
    assert not light_top(cv2.cvtColor(framed, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255)
    found = find_frame(grey, landmarks)
    assert found is not None and found.bars is not None
    assert (found.covered & dark).sum() / dark.sum() > 0.8
    # (The band's strongest rays and the mask's growth for anti-aliased edges may touch it:
    # a few px of a band 4 px thick on this small face; taken for the bar, all of it was.)
    taken = found.covered & (found.bars == 0)
    assert (taken & resting).sum() / resting.sum() < 1 / 3
    # The bars held (their matte over them as a whole: soft at their edges, a band 2 px thick
    # here), the brow resting on them not.
    assert found.bars[light].mean() > 0.4
    assert found.bars[resting].mean() < 0.05


@pytest.fixture(scope="module")
def raised_over_light_bars(bespectacled):
    """The frame dark below and light on top with a band resting on each top bar
    (:func:`_light_top_frame`), under AU01+AU02: the drawn and bare RGB8 images, the light
    bars' and resting bands' pixels, and the plate's RGB before and after (linear)."""
    _, _, landmarks, _, _, _, bare = bespectacled
    drawn, _, light, resting = _light_top_frame(bare, landmarks)
    lin = colour.convert(drawn.astype(np.float32) / 255, colour.DEFAULT_DISPLAY_FILE_SPACE,
                         colour.DEFAULT_PLATE_SPACE)
    plate = ImagePlate.from_array(np.ascontiguousarray(lin), ("R", "G", "B"),
                                  colour.DEFAULT_PLATE_SPACE)
    aus = au_vector(parse_au_assignments(["AU01=5", "AU02=5"]))
    out = render_frame(plate, aus, load_model("rig"), options=RenderOptions(glasses="auto"))
    return drawn, bare, light, resting, plate.rgb(), out.plate.rgb()


def test_a_brow_raise_leaves_a_light_top_bar_where_it_was(raised_over_light_bars):
    """Under a brow raise the light bars stay with the dark rims (bent with the brows, they
    tore from the rims held beside them), while the brows above them rise."""
    drawn, bare, light, resting, before, rgb = raised_over_light_bars
    core = cv2.erode(light.astype(np.uint8), np.ones((2, 2), np.uint8)).astype(bool)
    moved = np.abs(rgb[core] - before[core]).max(-1) > 0.05
    assert moved.mean() < 0.1
    # The face above them rose.
    drawn_any = light | resting | (np.abs(drawn.astype(int) - bare).max(-1) > 0)
    above = ~cv2.dilate(drawn_any.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert np.abs(rgb[above] - before[above]).max() > 0.1


def test_a_brow_resting_on_a_frame_rises_off_it_and_leaves_skin(raised_over_light_bars):
    """A band half the skin's light resting on each top bar as a brow does, under AU01+AU02:
    where it lay, over half the output is skin again (at least 0.75 of the skin round it as
    shot) — held off the frame, the strip just above the bar was drawn out over all the raise
    uncovered, and the band stayed where it was, none of it lighter (the shared faces with
    glasses: their brows' lowest hair a tall smear)."""
    _, _, light, resting, before, after = raised_over_light_bars
    before, after = before.mean(-1), after.mean(-1)
    band = cv2.erode(resting.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    near = cv2.dilate(resting.astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)
    clear = ~cv2.dilate((resting | light).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    skin = float(np.median(before[near & clear]))
    assert band.sum() > 100 and before[band].max() < 0.5 * skin
    assert (after[band] > 0.75 * skin).mean() > 0.5


def test_a_light_bar_is_held_only_where_it_is_lighter_than_the_lid_inside_it():
    """A translucent bar catches the light and the lid skin under it is in its shade; on a thin
    wire frame whose faint top reads as light, what lies inside the brow is skin in the brow's
    shade, and held as a bar it held the brow's edge (clip d13). Rings round an eye: lid skin,
    then a band, then a dark brow: the band lighter than the lid reads as a bar, darker not."""
    from atw_ofx.face.glasses import BAR_LIGHTER, Rim, _polar, light_bar_edge, reads_as_bar

    width, centre = 64.0, np.array([100.0, 100.0])
    yy, xx = np.mgrid[0:200, 0:200] + 0.5
    radius = np.hypot(xx - centre[0], yy - centre[1])
    angles = np.linspace(0.0, 2 * np.pi, 120, endpoint=False)
    radii = np.linspace(0.3, 1.4, 72) * width
    path = np.full(120, int(np.searchsorted(radii, 0.8 * width)))  # on the brow
    above = np.sin(angles) < -0.3
    # The path's contrast: faint above the eye (the light top), dark below (the rims).
    polar = np.zeros((120, 72), np.float32)
    polar[np.arange(120), path] = np.where(above, 0.2, 0.6)
    rim = Rim(centre, angles, radii, polar, path, width)
    eye = centre + 0.25 * width * np.stack((np.cos(angles[::20]), np.sin(angles[::20])), 1)

    def image(band_light):
        grey = np.full((200, 200), 0.6, np.float32)  # the lid skin
        grey[(radius > 0.62 * width) & (radius <= 0.74 * width)] = band_light
        grey[radius > 0.74 * width] = 0.1  # the brow
        return grey

    for band_light, held in ((0.7, True), (0.6 * BAR_LIGHTER - 0.1, False)):
        shade = _polar(image(band_light), centre, angles, radii)
        assert reads_as_bar(shade, rim, light_bar_edge(shade, eye, rim)) is held


def test_a_rims_section_ends_where_its_darkness_halves():
    """A dark bar (contrast 0.8, 3 px on each ray) with a brow's lower hair resting on it above
    the eye (0.25, 3 px more outwards): each ray's section is the bar alone (RIM_EDGE). Taken
    while the hair was darker than its surroundings at all (and within RIM_THICKEST of the
    median), it was held with the frame and stayed along the bar as a ragged fringe under a brow
    raise."""
    from atw_ofx.face.glasses import Rim, rim_sections

    width, centre = 64.0, np.array([100.0, 100.0])
    angles = np.linspace(0.0, 2 * np.pi, 120, endpoint=False)
    radii = np.linspace(0.3, 1.4, 72) * width
    step = radii[1] - radii[0]
    path = np.full(120, int(np.searchsorted(radii, 0.8 * width)))
    polar = np.zeros((120, 72), np.float32)
    for offset in (-1, 0, 1):  # the bar
        polar[np.arange(120), path + offset] = 0.8
    above = np.flatnonzero(np.sin(angles) < -0.3)
    for offset in (2, 3, 4):  # the hair over it, on every third ray above the eye
        polar[above[::3], path[above[::3]] + offset] = 0.25
    rim = Rim(centre, angles, radii, polar, path, width)
    dark, light = rim_sections(rim)
    assert len(dark) == 120 and not light
    reach = np.array([np.linalg.norm(q - centre, axis=1).max() for q in dark])
    assert np.allclose(reach, radii[path[0] + 1] + 0.5 * step)  # the bar's outer edge


def test_the_bridge_alone_tells_glasses_from_none(bespectacled):
    """The renderer tests the bridge on its window of the crop before looking for rims: the
    window reads as the whole face does (its bridge strength within 5 %), on either face."""
    _, _, landmarks, _, _, framed, bare = bespectacled
    from atw_ofx.face.glasses import _working_scale

    for rgb8, wears in ((framed, True), (bare, False)):
        grey = cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
        x0, y0, x1, y1 = bridge_window(landmarks, grey.shape[0])
        window, shifted = grey[y0:y1, x0:x1], landmarks - (x0, y0)
        assert wears_glasses(window, shifted) is wears
        assert (frame_mask(grey, landmarks) is not None) is wears
        whole = bridge_strength(*_working_scale(grey, landmarks)[:2])[0]
        part = bridge_strength(*_working_scale(window, shifted)[:2])[0]
        assert abs(part - whole) <= 0.05 * max(whole, 0.2)
        # The window is the nose between the eyes, not the face.
        assert (x1 - x0) * (y1 - y0) < 0.1 * grey.size


def test_a_blink_and_a_brow_raise_leave_the_frame_where_it_was(bespectacled):
    """With ``glasses=auto`` the frame's pixels are the plate's, bit for bit, while the lids
    and brows move behind it; with ``off`` the warp bends it (so this can fail)."""
    framed, _, _, _, front, _, _ = bespectacled
    rims = cv2.erode(front.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    aus = au_vector(parse_au_assignments(["AU45=5", "AU01=5", "AU02=5"]))
    model = load_model("rig")
    held = render_frame(framed, aus, model, options=RenderOptions(glasses="auto")).plate.rgb()
    bent = render_frame(framed, aus, model, options=RenderOptions(glasses="off")).plate.rgb()
    before = framed.rgb()
    assert np.array_equal(held[rims], before[rims])
    assert (np.abs(bent[rims] - before[rims]).max(-1) > 0.01).mean() > 0.2
    # The face behind the frame moved all the same.
    behind = ~cv2.dilate(front.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.abs(held[behind] - before[behind]).max() > 0.1


def test_a_brow_raise_uncovers_nothing_from_behind_the_frame(bespectacled, monkeypatch):
    """What lies behind the frame is a fill; a brow raise stretches the skin between brow and
    top bar instead of pulling the fill out (a torn sheet on thick bars). Marked bright green
    here, the fill must not show anywhere the frame does not cover."""
    import atw_ofx.render as render

    framed, _, _, _, front, _, _ = bespectacled
    real = render.behind_frame

    def marked(image, frame, held=None, lit=None):
        _, alpha = real(image, frame, held, lit)
        return image + alpha[..., None] * (np.array([0.0, 1.0, 0.0], np.float32) - image), alpha

    monkeypatch.setattr(render, "behind_frame", marked)
    aus = au_vector(parse_au_assignments(["AU01=5", "AU02=5"]))
    out = render_frame(framed, aus, load_model("rig"), options=RenderOptions(glasses="auto"))
    rgb = out.plate.rgb()
    is_green = lambda image: (image[..., 1] > 0.5) & (image[..., 1] > 3 * image[..., 0])  # noqa: E731
    shown = is_green(rgb) & ~is_green(framed.rgb())
    # None of it beyond the frame's edge (specks on it, where the frame's matte is soft: a few
    # per cent of the frame's pixels).
    edge = cv2.dilate(front.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert not shown[~edge].any()
    assert shown.sum() < 0.05 * front.sum()
    # The brows did rise: the skin above the frame moved.
    above = ~cv2.dilate(front.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    assert np.abs(rgb[above] - framed.rgb()[above]).max() > 0.1


def test_behind_a_frame_is_the_skin_around_it_with_its_texture(rng):
    """What the warp carries instead of the frame: the surrounding skin's level and grain, not
    the frame's dark line and not a flat fill; nothing else changes."""
    skin = (0.3 * (1 + 0.1 * rng.standard_normal((200, 200, 3)))).astype(np.float32)
    frame = np.zeros((200, 200), bool)
    cv2.ellipse(frame.view(np.uint8), (100, 100), (60, 40), 0, 0, 360, 1, 5)
    image = skin.copy()
    image[frame] = 0.02
    filled, alpha = behind_frame(image, frame)
    assert np.array_equal(filled[~frame], image[~frame])
    assert abs(filled[frame].mean() - 0.3) < 0.03
    assert filled[frame].std() > 0.5 * skin.std()
    # The matte: the dark frame whole, nothing outside the mask.
    assert alpha[frame].min() == 1.0 and not alpha[~frame].any()


def test_skin_inside_a_frame_mask_is_not_held(rng):
    """A mask grown past the frame takes in skin beside it: the matte holds the frame's dark
    pixels, not that skin (held, it stayed while the face around it moved)."""
    skin = (0.3 * (1 + 0.05 * rng.standard_normal((120, 120, 3)))).astype(np.float32)
    line = np.zeros((120, 120), bool)
    line[56:64, 10:110] = True
    mask = cv2.dilate(line.view(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    image = skin.copy()
    image[line] = 0.03
    _, alpha = behind_frame(image, mask)
    assert alpha[line].min() == 1.0
    assert alpha[mask & ~line].max() < 0.1


def test_the_glasses_option_is_checked():
    with pytest.raises(ATWError, match="--glasses"):
        RenderOptions(glasses="on")


@pytest.mark.parametrize("edit", [["AU04=5"], ["AU01=5", "AU02=5"]])
def test_a_plate_bridge_is_held_whole(shared_data, edit):
    """Face 15's bridge is a flat plate across the nose, its darkest row by its lower edge: the
    mask took a band round that row alone, and under a frown or a brow raise the plate's top
    moved with the glabella — the bridge torn from its top bars. Its body held (the rows on end
    as strong as half its darkest, :data:`~atw_ofx.face.glasses.BRIDGE_BODY`), ≥ 0.88 of the dark
    pixels over the nose between the eyes stay as shot (0.72 before; 0.91 and 0.92)."""
    plate = read_image(shared_data / "plates" / "ffhq_atw" / "15.png")
    model = load_model("rig")
    face = render_frame(plate, np.zeros(17, np.float32), model).face
    out = render_frame(plate, au_vector(parse_au_assignments(edit)), model, face=face)
    landmarks = face.landmarks
    iod = float(np.linalg.norm(landmarks[473] - landmarks[468]))
    (left, y_left), (right, y_right) = landmarks[133], landmarks[362]  # the inner eye corners
    middle, eyes = (left + right) / 2, min(y_left, y_right)
    window = (slice(int(eyes - 0.35 * iod), int(eyes + 0.05 * iod)),
              slice(int(middle - 0.3 * (right - left)), int(middle + 0.3 * (right - left))))
    shot, edited = plate.pixels[window][..., :3], out.plate.pixels[window][..., :3]
    light = shot.mean(-1)
    dark = light < 0.5 * np.median(light)  # the bridge and the bars beside it
    still = np.isclose(edited, shot, atol=1e-4).all(-1)
    assert dark.sum() > 1000 and still[dark].mean() >= 0.88, still[dark].mean()


def test_a_thin_bar_close_over_one_eye_is_not_left_for_the_brow(shared_data):
    """A clip's wire frame: in a sixth of its frames the bar over one eye ran closer to the lid
    than the rim's clearance, and that rim's path took the brow above it — held still as frame,
    the brow stayed behind under a brow raise, and a closing lid drew over the bar. Found again
    no higher than the other rim's (matched_tops), it is the bar, as in the clip's other frames:
    the brow is not in the mask and both rims' tops lie within TOP_MISMATCH of each other."""
    import itertools

    from atw_ofx.face.glasses import (TOP_MISMATCH, _working_scale, dark_lines, find_rim,
                                      matched_tops, top_of)
    from atw_ofx.face.track import track_faces
    from atw_ofx.imageio import decoded
    from atw_ofx.video import read_codes

    clip = shared_data / "video" / "liveportrait_d13.mp4"
    codes = next(itertools.islice(read_codes(clip), 0, None))  # frame 1
    plate = decoded(codes, colour.DEFAULT_DISPLAY_FILE_SPACE, str(clip))
    face = track_faces([(1, lambda: plate)], source="d13").placement(1)
    grey = np.clip(plate.pixels[..., :3].mean(-1), 0, None) ** (1 / 2.2)
    small, points, eyes = _working_scale(grey, face.landmarks)
    response = dark_lines(small, WORK_EYE)
    rims = [find_rim(response, eye) for eye in eyes]
    width = np.mean([rim.width for rim in rims])
    assert abs(top_of(rims[0]) - top_of(rims[1])) > TOP_MISMATCH * width  # the brow, as was
    matched = matched_tops(response, eyes, rims)
    assert abs(top_of(matched[0]) - top_of(matched[1])) < TOP_MISMATCH * width
    from atw_ofx.models.eyelids import EYES

    mask = frame_mask(grey, face.landmarks)
    brows = np.round(face.landmarks[[i for eye in EYES for i in eye["brow_edge"]]]).astype(int)
    assert not mask[brows[:, 1], brows[:, 0]].any()  # (as was: three of the left brow's four)


def test_a_wire_frame_whose_top_reads_faint_holds_no_light_bar(shared_data):
    """Clip d13's thin wire frame: in frames 259–313 its faint top sets the light-top test off
    again and again (pooled over the rims, its top fainter than its parts below the eyes), and
    held as a light bar the band inside the brow held the brow's edge — the brow did not rise in
    those frames, a pop in the clip. That band is skin in the brow's shade, not a bar that
    catches the light (reads_as_bar): held in 27 of these 55 frames before, at most a frame or
    two now (one, whose held band renders as its neighbours)."""
    import itertools

    from atw_ofx.face.glasses import find_frame
    from atw_ofx.face.track import track_faces
    from atw_ofx.imageio import decoded
    from atw_ofx.video import read_codes

    clip = shared_data / "video" / "liveportrait_d13.mp4"
    codes = itertools.islice(read_codes(clip), 258, 313)
    plates = [decoded(c, colour.DEFAULT_DISPLAY_FILE_SPACE, str(clip)) for c in codes]
    track = track_faces([(i + 1, (lambda p=p: p)) for i, p in enumerate(plates)], source="d13")
    frames = []
    for i, plate in enumerate(plates):
        grey = np.clip(plate.pixels[..., :3].mean(-1), 0, None) ** (1 / 2.2)
        frames.append(find_frame(grey, track.placement(i + 1).landmarks))
    assert all(frame is not None for frame in frames)  # the frame itself is found throughout
    assert sum(frame.bars is not None for frame in frames) <= 2


@pytest.mark.parametrize("frame", [50, 107])
def test_a_wide_wire_frames_top_bar_is_held_out_to_its_hinges(shared_data, frame):
    """Clip d13's half-rim wire frame has wide lenses: the rim's path round each eye (looked for
    within RIM_RADII of it) left the top bar 0.27–0.41 eye widths past the eye's outer corner,
    and the bar's outer part, moving with the face, stepped from the part held still under a
    brow raise or a frown (looked at). Followed along its dark line (traced_bars), the held
    frame above the eyes reaches past each outer corner by over 0.8 eye widths, to the hinges."""
    import itertools

    from atw_ofx.face.track import track_faces
    from atw_ofx.imageio import decoded
    from atw_ofx.video import read_codes

    clip = shared_data / "video" / "liveportrait_d13.mp4"
    codes = next(itertools.islice(read_codes(clip), frame - 1, None))
    plate = decoded(codes, colour.DEFAULT_DISPLAY_FILE_SPACE, str(clip))
    face = track_faces([(1, lambda: plate)], source="d13").placement(1)
    grey = np.clip(plate.pixels[..., :3].mean(-1), 0, None) ** (1 / 2.2)
    mask = frame_mask(grey, face.landmarks)
    points = ibug68(face.landmarks)
    width = np.mean([np.linalg.norm(points[39] - points[36]),
                     np.linalg.norm(points[45] - points[42])])
    ys, xs = np.nonzero(mask)
    for corner, eye, outward in ((36, range(36, 42), -1), (45, range(42, 48), 1)):
        above = ys < points[list(eye), 1].mean()
        assert (outward * (xs[above] - points[corner, 0])).max() > 0.8 * width


def _eyes_and_round(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The eyes' contours grown by a quarter of an eye's width (``H×W`` bool): what dark
    lenses cover whatever their size."""
    points = ibug68(landmarks)
    width = float(np.mean([np.linalg.norm(points[39] - points[36]),
                           np.linalg.norm(points[45] - points[42])]))
    eyes = np.zeros(shape, np.uint8)
    for eye in (points[36:42], points[42:48]):
        cv2.fillPoly(eyes, [np.round(eye).astype(np.int32)], 1)
    grow = int(0.25 * width)
    return cv2.dilate(eyes, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(bool)


def test_sunglasses_are_held_whole_while_the_brows_and_lids_move(bespectacled, shared_data):
    """Dark lenses (the frame drawn on the portrait with its lenses darkened to 15 %, and the
    shared face 11's sunglasses): the lenses are held whole with their frame — the eyes behind
    them are the plate's, bit for bit, under a blink, a brow raise and a brow lowering (the
    rims' path, taking hair over a top bar as dark as the lens, left the bar to the warp: a
    brow raise opened a black hole over face 11's left lens and 0.09–0.32 of its eyes' pixels
    were held); clear glasses are looked for as before."""
    from atw_ofx.face.glasses import _working_scale, lenses_dark

    _, bare, landmarks, _, front, framed8, _ = bespectacled
    lenses = np.zeros(front.shape, np.uint8)
    points = ibug68(landmarks)
    width = float(np.mean([np.linalg.norm(points[39] - points[36]),
                           np.linalg.norm(points[45] - points[42])]))
    for eye, side in ((points[36:42], -1), (points[42:48], 1)):  # as _draw_frame's rims
        centre = eye.mean(0) + [0.05 * side * width, 0.1 * width]
        cv2.ellipse(lenses, tuple(int(v) for v in centre),
                    (int(0.8 * width), int(0.55 * width)), 0, 0, 360, 1, -1)
    sunglasses8 = framed8.copy()
    inside = (lenses > 0) & ~front
    sunglasses8[inside] = (sunglasses8[inside] * 0.15).astype(np.uint8)
    linear = colour.convert(sunglasses8.astype(np.float32) / 255,
                            colour.DEFAULT_DISPLAY_FILE_SPACE, colour.DEFAULT_PLATE_SPACE)
    sunglasses = ImagePlate.from_array(np.ascontiguousarray(linear), ("R", "G", "B"),
                                       colour.DEFAULT_PLATE_SPACE)
    shared = read_image(shared_data / "plates" / "ffhq_atw" / "11.png")
    model = load_model("rig")
    for plate in (sunglasses, shared):
        face = render_frame(plate, np.zeros(17, np.float32), model).face
        grey = plate.rgb().mean(-1) ** (1 / 2.2)
        assert lenses_dark(*_working_scale(grey, face.landmarks))
        eyes = _eyes_and_round(face.landmarks, plate.pixels.shape[:2])
        for edit in (["AU45=5", "AU01=5", "AU02=5"], ["AU04=5"]):
            aus = au_vector(parse_au_assignments(edit))
            held = render_frame(plate, aus, model, face=face).plate.rgb()
            assert np.all(held[eyes] == plate.rgb()[eyes], -1).mean() > 0.99, edit
    # Clear glasses and bare faces are not dark lenses (their eyes' surroundings 0.43–0.81 of
    # the nose's light on the shared faces).
    for plate in (bespectacled[0], bare, read_image(shared_data / "plates" / "ffhq_atw"
                                                    / "15.png")):
        face = render_frame(plate, np.zeros(17, np.float32), model).face
        assert not lenses_dark(*_working_scale(plate.rgb().mean(-1) ** (1 / 2.2),
                                               face.landmarks))


@pytest.mark.parametrize("frame", [50, 150])
def test_a_half_rim_lenss_lower_edge_stays_where_it_was_while_the_cheeks_rise(shared_data,
                                                                             frame):
    """Clip d13's half-rim frame has no rim under its lenses: their lower edge is a thin line
    of light (the lens's polished edge). A smile's rising cheeks bent it into waves and broke it
    where a dark fleck beside it was held (happy, AU06; looked at 2×). It is held as the frame
    is: the line as shot — the lightest 3 % of a white top-hat in a band under the eyes —
    keeps its light under a full smile, to a fraction of what it loses with the frame left to
    the warp (``--glasses off``)."""
    from atw_ofx.face.track import track_faces
    from conftest import clip_frame

    plate = clip_frame(shared_data, "liveportrait_d13.mp4", frame - 1)
    face = track_faces([(1, lambda: plate)], source="d13").placement(1)
    points = ibug68(face.landmarks)
    width = np.mean([np.linalg.norm(points[39] - points[36]),
                     np.linalg.norm(points[45] - points[42])])
    grey = np.clip(plate.pixels[..., :3].mean(-1), 0, None) ** (1 / 2.2)
    side = int(0.14 * width) | 1
    hat = cv2.morphologyEx(grey.astype(np.float32), cv2.MORPH_TOPHAT,
                           cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    band = np.zeros(grey.shape, bool)
    eyes_y = points[36:48, 1].mean()
    x0, x1 = int(points[36, 0] - 0.3 * width), int(points[45, 0] + 0.3 * width)
    band[int(eyes_y + 0.5 * width):int(eyes_y + 1.3 * width), x0:x1] = True
    line = band & (hat >= np.quantile(hat[band], 0.97))
    aus = au_vector(parse_au_assignments(["AU06=5", "AU12=5"]))

    def lost(glasses: str) -> float:
        out = render_frame(plate, aus, load_model("rig"), face=face,
                           options=RenderOptions(glasses=glasses)).plate.pixels[..., :3]
        return float(np.abs(out[line] - plate.pixels[line][:, :3]).mean())

    held, warped = lost("auto"), lost("off")
    assert warped > 0.03  # the cheeks do move the line when nothing holds it
    assert held < 0.1 * warped


@pytest.mark.parametrize("edit", [["AU01=5", "AU02=5"], ["AU04=5"]])
@pytest.mark.parametrize("face, side", [("8", "left"), ("8", "right"), ("12", "left")])
def test_a_frames_end_piece_stays_where_it_was(shared_data, face, side, edit):
    """A frame's end-piece, the block its hinge sits in past the top bar's outer end, is too wide
    for the rims' line response, and a traced bar stops at it (face 12's; face 8's light top
    bars are not traced at all: their darkest line is the brow): it moved with the temple's
    skin, drawn into a dark smear by a brow raise or a frown, the arm bent from it (looked at
    2.5×). Its dark pixels as shot — under half the skin's light in a window past the outer eye
    corner at the top bar's height — keep their light to a fraction of what they lose with the
    frame left to the warp (face 12's right hinge is hidden by its temple)."""
    plate = read_image(shared_data / "plates" / "ffhq_atw" / f"{face}.png")
    placed = render_frame(plate, np.zeros(17, np.float32), load_model("rig")).face
    points = ibug68(placed.landmarks)
    grey = np.clip(plate.pixels[..., :3].mean(-1), 0, None) ** (1 / 2.2)
    aus = au_vector(parse_au_assignments(edit))
    outs = {glasses: render_frame(plate, aus, load_model("rig"), face=placed,
                                  options=RenderOptions(glasses=glasses)).plate.pixels[..., :3]
            for glasses in ("auto", "off")}
    corner, eye, outward = (36, range(36, 42), -1) if side == "left" else (45, range(42, 48), 1)
    width = np.linalg.norm(points[eye[3]] - points[eye[0]])
    centre = points[list(eye)].mean(0)
    xs = sorted(int(points[corner, 0] + outward * k * width) for k in (0.1, 0.9))
    window = (slice(int(centre[1] - 0.45 * width), int(centre[1] - 0.1 * width)),
              slice(max(xs[0], 0), xs[1]))
    patch = grey[window]
    block = patch < 0.5 * np.percentile(patch, 90)
    assert block.sum() > 100  # the end-piece is there, dark

    def lost(glasses):
        out = outs[glasses][window][block]
        return float(np.abs(out - plate.pixels[window][block][:, :3]).mean())

    assert lost("off") > 0.02
    assert lost("auto") < 0.35 * lost("off")


@pytest.mark.parametrize("face, most", [("8", 0.2), ("12", 0.01), ("15", 0.01)])
def test_no_frame_is_found_inside_a_lens_by_the_bridge(shared_data, face, most):
    """The bridge's band, as tall as its body, ran from one inner eye corner to the other, into
    both lenses: it took what lines lay there for frame (a lid's crease, a lens's reflection).
    Held and laid back over the edit, face 8's tore its shut lid under AU45 into a dark patch
    with a stepped edge (looked at 3×); faces 12 and 15 stepped their top bars by the bridge
    under a frown. On each lens's nasal side — the rays within 60° of the other eye's, two
    frame thicknesses in from the rim's path — under ``most`` of the pixels are frame (faces 12
    and 15: 0.03–0.16 before, now under 0.005; face 8, whose light top bars put its rims' path
    on the brow above them, 0.24 and 0.30 before, 0.07 and 0.14 now)."""
    from atw_ofx.face.glasses import _working_scale, dark_lines, find_rim, matched_tops

    plate = read_image(shared_data / "plates" / "ffhq_atw" / f"{face}.png")
    landmarks = render_frame(plate, np.zeros(17, np.float32), load_model("rig")).face.landmarks
    grey = np.clip(plate.pixels[..., :3].mean(-1), 0, None) ** (1 / 2.2)
    mask = frame_mask(grey, landmarks)
    small, _, eyes = _working_scale(grey, landmarks)
    k = small.shape[1] / grey.shape[1]
    response = dark_lines(small, WORK_EYE)
    rims = matched_tops(response, eyes, [find_rim(response, eye) for eye in eyes])
    for i, rim in enumerate(rims):
        ray = np.stack((np.cos(rim.angles), np.sin(rim.angles)), 1)
        towards = rims[1 - i].centre - rim.centre
        nasal = ray @ (towards / np.linalg.norm(towards)) > np.cos(np.radians(60))
        edge = rim.centre + rim.radii[np.maximum(rim.path - 2 * rim.reach, 0)][:, None] * ray
        fan = np.concatenate((rim.centre[None], edge[nasal][np.argsort(
            np.arctan2(*(edge[nasal] - rim.centre).T[::-1]))]))
        inside = np.zeros(grey.shape, np.uint8)
        cv2.fillPoly(inside, [np.round(fan / k - 0.5).astype(np.int32)], 1)
        assert mask[inside.astype(bool)].mean() < most, (i, mask[inside.astype(bool)].mean())
