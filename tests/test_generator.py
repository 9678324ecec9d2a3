"""The learned generator and discriminators (spec §1–2), model bundles, ``--model BUNDLE``."""
import json

import numpy as np
import pytest
import torch

from atw_ofx.conventions import AU_NAMES, MotionField
from atw_ofx.errors import ModelError
from atw_ofx.models import load_model
from atw_ofx.models.bundle import MANIFEST, WEIGHTS, load_bundle, save_bundle, sha256
from atw_ofx.models.generator import (Discriminator, Generator, GeneratorConfig,
                                      parameter_count)
from atw_ofx.models.learned import LearnedModel

from conftest import run_atw


def test_parameter_counts_match_the_spec():
    assert 2.37e6 <= parameter_count(Generator(GeneratorConfig(ngf=64))) <= 2.44e6
    assert parameter_count(Generator(GeneratorConfig(ngf=128))) == pytest.approx(9.48e6, rel=2e-3)
    assert parameter_count(Discriminator()) == pytest.approx(3.8e6, rel=0.01)
    # D^w has the driving head only
    assert parameter_count(Discriminator(critic=False)) < parameter_count(Discriminator())


def test_state_dict_keys_are_the_authors_so_released_weights_load():
    keys = set(Generator().state_dict())
    assert {"encoding.0.weight", "encoding.1.weight", "encoding.3.weight",
            "encoding.11.conv_block.4.bias", "flow_pred.0.weight", "flow_pred.1.weight",
            "flow_pred.3.weight", "refine.0.weight", "refine.5.conv_block.2.weight",
            "refine.6.weight"} <= keys
    assert set(Discriminator().state_dict()) == {
        *(f"model.{i}.{p}" for i in (0, 2, 4, 6, 8, 10) for p in ("weight", "bias")),
        "dis_top.weight", "aus_top.weight"}


def test_shapes_ranges_and_batch_of_one():
    torch.manual_seed(0)
    g = Generator(GeneratorConfig(ngf=16))
    image = torch.rand(1, 3, 128, 128) * 2 - 1
    refined, warped, f = g(image, torch.rand(1, 17) * 10)
    assert refined.shape == warped.shape == (1, 3, 128, 128) and f.shape == (1, 2, 128, 128)
    assert refined.abs().max() <= 1 and f.abs().max() <= 1
    critic, driving = Discriminator()(refined)
    assert critic.shape == (1, 2, 2) and driving.shape == (1, 17)
    critic, driving = Discriminator(GeneratorConfig(n_driving=8), critic=False)(refined)
    assert critic is None and driving.shape == (1, 8)


def test_the_generators_warp_is_our_motion_field_convention():
    """coef·f·(R−1) pixels, backward: G's own warp equals MotionField.warp away from borders."""
    torch.manual_seed(1)
    g = Generator(GeneratorConfig(ngf=8, coef_flow=0.3))
    image = torch.rand(2, 3, 128, 128)
    f = torch.nn.functional.interpolate(torch.rand(2, 2, 8, 8) * 0.04 - 0.02, size=(128, 128),
                                        mode="bilinear", align_corners=False)
    ours = g.flow_pixels(f).warp(image)
    theirs = g.warp(image, f)
    inner = (slice(None), slice(None), slice(8, -8), slice(8, -8))  # |offset| < 8 px
    assert (ours[inner] - theirs[inner]).abs().max() < 1e-4
    # linspace grid positions round to ~1e-6 px: near, not bit-exact, identity
    assert (g.warp(image, torch.zeros_like(f)) - image).abs().max() < 5e-5
    assert g.flow_pixels(torch.ones(1, 2, 128, 128)).px[0, :, 0, 0].tolist() == \
        pytest.approx([0.3 * 127, 0.3 * 127])


@pytest.fixture
def bundle(tmp_path):
    torch.manual_seed(2)
    g = Generator(GeneratorConfig(ngf=8))
    return save_bundle(tmp_path / "tiny", g, name="tiny-test", licence="MIT",
                       training={"data": "none (random init)", "steps": 0}), g


def test_a_bundle_round_trips_and_records_what_it_is(bundle):
    folder, g = bundle
    loaded, manifest = load_bundle(folder)
    assert manifest["name"] == "tiny-test" and manifest["config"]["ngf"] == 8
    assert manifest["driving"]["aus"][8] == "AU12" and manifest["weights_sha256"] == \
        sha256(folder / WEIGHTS)
    image, c = torch.rand(1, 3, 128, 128) * 2 - 1, torch.rand(1, 17)
    with torch.no_grad():
        for a, b in zip(g.eval()(image, c), loaded(image, c)):
            assert torch.equal(a, b)
    half, _ = load_bundle(save_bundle(folder.parent / "half", g, name="h", half=True))
    with torch.no_grad():
        assert (half(image, c)[0] - g(image, c)[0]).abs().max() < 2e-3


def test_mismatched_bundles_are_refused_with_one_line(bundle):
    folder, g = bundle
    manifest = json.loads((folder / MANIFEST).read_text())

    def refused(change, match):
        (folder / MANIFEST).write_text(json.dumps(change(json.loads(json.dumps(manifest)))))
        with pytest.raises(ModelError, match=match) as err:
            load_bundle(folder)
        assert "\n" not in str(err.value) and str(folder) in str(err.value)

    refused(lambda m: {**m, "format_version": 9}, "this build reads 1")
    refused(lambda m: {**m, "driving": {**m["driving"], "aus": m["driving"]["aus"][::-1]}},
            "AU list")
    refused(lambda m: {**m, "config": {**m["config"], "ngf": 16}},
            r"do not fit the manifest's architecture \(encoding.0.weight has shape")
    refused(lambda m: {**m, "weights_sha256": "0" * 64}, "SHA-256")
    refused(lambda m: {**m, "config": {**m["config"], "ngf": "sixty-four"}}, "manifest config")
    refused(lambda m: {k: v for k, v in m.items() if k != "colourspace"}, "no colourspace")
    refused(lambda m: {**m, "weights": "../elsewhere.safetensors"}, "outside the bundle")
    refused(lambda m: [m], "manifest is a JSON list")
    # A config far larger than its weights is refused from the weights' header, before any
    # generator is built at that size (ngf 4096 took 12 GB of memory).
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    refused(lambda m: {**m, "config": {**m["config"], "ngf": 4096}},
            "do not fit the manifest's architecture")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 1 << 20  # < 1 GiB more
    # Weights that are not safetensors (pickle bytes, a truncated or forged header) whose
    # SHA-256 the manifest matches: refused, never unpickled.
    for bad in (b"\x80\x04\x95" + b"\x00" * 64, (folder / WEIGHTS).read_bytes()[:40],
                b"\xff" * 8 + b"{}"):
        (folder / WEIGHTS).write_bytes(bad)
        refused(lambda m: {**m, "weights_sha256": sha256(folder / WEIGHTS)},
                "not a safetensors file")
    with pytest.raises(ModelError, match="not a model bundle"):
        load_bundle(folder.parent)


def test_the_learned_model_is_absolute_and_renders_through_the_cli(bundle, tmp_path,
                                                                   portrait_path):
    folder, _ = bundle
    model = load_model(str(folder))
    assert isinstance(model, LearnedModel) and model.name == "tiny-test"
    face = torch.rand(1, 3, 128, 128) * 2 - 1
    from atw_ofx.models import FaceContext
    result = model.animate(face, np.zeros(17, np.float32), FaceContext(None, np.ones((128, 128))))
    assert isinstance(result.flow, MotionField) and result.refined.shape == (1, 3, 128, 128)
    out = tmp_path / "out.exr"
    proc = run_atw("render", str(portrait_path), "-o", str(out), "--model", str(folder),
                   "--au", "AU12=3")
    assert proc.returncode == 0, proc.stderr
    assert out.exists()
    proc = run_atw("render", str(portrait_path), "-o", str(out), "--model", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"atw: error: {tmp_path}: no manifest.json: not a model bundle"


def test_relative_aus_are_edits_of_the_faces_own_and_zero_edits_change_nothing(bundle, tmp_path,
                                                                              portrait_path):
    from atw_ofx.face.au_estimate import AUEstimator
    from atw_ofx.face.detect import detect_face
    from atw_ofx.imageio import read_image
    from atw_ofx.models import LandmarkRig
    from atw_ofx.render import model_aus

    folder, _ = bundle
    plate = read_image(portrait_path)
    outputs = {}
    for mode in ("relative", "absolute"):
        out = tmp_path / f"{mode}.exr"
        proc = run_atw("render", str(portrait_path), "-o", str(out), "--model", str(folder),
                       "--au-mode", mode, "--pixel-type", "float")
        assert proc.returncode == 0, proc.stderr
        outputs[mode] = read_image(out).pixels
    # Relative with no edit: the model is not even run; the plate comes back bit-exact.
    assert np.array_equal(outputs["relative"], plate.pixels)
    # Absolute zeros ask the generator for a neutral face: something changes.
    assert not np.array_equal(outputs["absolute"], plate.pixels)

    model = load_model(str(folder))
    face = detect_face(plate.rgb(), plate.colourspace)
    edit = np.zeros(17, np.float32)
    edit[AU_NAMES.index("AU12")] = 1.5
    own = AUEstimator.default().estimate(face.landmarks)
    assert np.allclose(model_aus(model, edit, face.landmarks, "relative"),
                       np.clip(own + edit, 0, 5))
    assert model_aus(model, edit, face.landmarks, "absolute") is edit
    assert model_aus(LandmarkRig(), edit, face.landmarks, "relative") is edit



CLASSES = ("neutral", "happy", "sad", "surprised", "angry", "fearful", "disgusted", "contemptuous")


def test_class_weights_read_presets_back_exactly_and_unknown_classes_get_none():
    from atw_ofx.errors import CurveError
    from atw_ofx.expressions import expression_aus, expression_weights

    def aus_of(*items):
        vector = np.zeros(17, np.float32)
        for k, v in expression_aus(list(items)).items():
            vector[k] = v
        return vector

    weights = expression_weights(aus_of("happy=0.8", "surprise=0.3"), CLASSES)
    assert weights.tolist() == pytest.approx([0, 0.8, 0, 0.3, 0, 0, 0, 0], abs=1e-6)
    assert expression_weights(aus_of("anger=1"), CLASSES)[4] == pytest.approx(1.0)
    assert not expression_weights(np.zeros(17), ("class0", "class1")).any()
    # A lone AU comes back as the closest mix: AU12 is shared by happy and contempt.
    au12 = np.zeros(17)
    au12[AU_NAMES.index("AU12")] = 4.0
    mix = expression_weights(au12, CLASSES)
    assert mix[1] > 0 and mix[7] > 0 and mix[[0, 2, 3, 4, 5, 6]].sum() == 0
    with pytest.raises(CurveError, match=r"classes \(class0, class1\) name no expression"):
        expression_weights(aus_of("happy=1"), ("class0", "class1"))


def test_a_class_bundle_interpolates_the_motion_of_each_class_by_its_weight(tmp_path,
                                                                           portrait_path):
    from atw_ofx.expressions import PEAK
    from atw_ofx.imageio import read_image
    from atw_ofx.models import FaceContext

    torch.manual_seed(3)
    g = Generator(GeneratorConfig(ngf=8, driving="classes", n_driving=8, class_names=CLASSES))
    folder = save_bundle(tmp_path / "classes", g, name="tiny-classes")
    assert json.loads((folder / MANIFEST).read_text())["driving"]["classes"] == list(CLASSES)
    model = load_model(str(folder))
    assert model.config.class_names == CLASSES and model.au_semantics == "relative"
    face, context = torch.rand(1, 3, 128, 128) * 2 - 1, FaceContext(None, np.ones((128, 128)))
    happy = np.zeros(17, np.float32)
    happy[[AU_NAMES.index("AU06"), AU_NAMES.index("AU12")]] = PEAK
    with torch.no_grad():
        f_happy = g.motion(face, torch.eye(8)[[1]])
        f_sad = g.motion(face, torch.eye(8)[[2]])
    full = model.animate(face, happy, context)
    assert torch.allclose(full.flow.px, g.flow_pixels(f_happy).px, atol=1e-5)
    half = model.animate(face, happy / 2, context)
    assert torch.allclose(half.flow.px, full.flow.px / 2, atol=1e-5)
    sad = np.zeros(17, np.float32)
    sad[[AU_NAMES.index(a) for a in ("AU01", "AU04", "AU15")]] = PEAK * 0.5
    mixed = model.animate(face, happy * 0.5 + sad, context)
    assert torch.allclose(mixed.flow.px, g.flow_pixels(0.5 * f_happy + 0.5 * f_sad).px,
                          atol=1e-5)
    still = model.animate(face, np.zeros(17, np.float32), context)
    assert not still.flow.px.any() and still.refined is face
    # Through the CLI: a preset drives the class bundle; no edit returns the plate bit-exact.
    outputs = {}
    for name, extra in (("smile", ["--expression", "happy=0.8"]), ("none", [])):
        out = tmp_path / f"{name}.exr"
        proc = run_atw("render", str(portrait_path), "-o", str(out), "--model", str(folder),
                       "--pixel-type", "float", *extra)
        assert proc.returncode == 0, proc.stderr
        outputs[name] = read_image(out).pixels
    plate = read_image(portrait_path).pixels
    assert np.array_equal(outputs["none"], plate)
    assert not np.array_equal(outputs["smile"], plate)


def test_class_names_must_match_the_number_of_classes():
    with pytest.raises(ValueError, match="2 class names for a model driven by 3 classes"):
        GeneratorConfig(driving="classes", n_driving=3, class_names=("a", "b"))
    with pytest.raises(ValueError, match="for a model driven by 17 aus"):
        GeneratorConfig(class_names=("happy",) * 17)


def test_a_learned_bundle_refuses_a_retargeted_performance(bundle, tmp_path, portrait_path):
    """A retarget's motion is the rig's input; a learned bundle cannot take it and says so
    rather than rendering without it."""
    doc = {"atw_au_curves": 1, "curves": {"AU25": [[1, 2.0]]},
           "retarget": {"sizes": {"brows": 1.7, "mouth": 0.7, "cheeks": 1.3},
                        "keys": [[1, [[0.0, -0.05]] * 18]]}}
    curves = tmp_path / "motion.json"
    curves.write_text(json.dumps(doc))
    proc = run_atw("render", str(portrait_path), "-o", str(tmp_path / "out.exr"),
                   "--model", str(bundle[0]), "--aus", str(curves))
    assert proc.returncode == 2
    assert "cannot take a retargeted performance" in proc.stderr and "--model rig" in proc.stderr
