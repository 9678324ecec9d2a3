"""ATW: facial animation on full-resolution plates, driven by Action Units.

Commands: ``render``, ``track``, ``farm emit``, ``demo``, ``train``, ``aus``, ``data``, ``eval``,
``export``, ``bench``, ``info``.

Errors a user can act on print one line (``atw: error: <file> (frame N): <what>``) and exit 2;
with ``--on-error skip`` failed frames are reported as they happen and the exit status is 3.
"""
from __future__ import annotations

import argparse
import logging
import math
import shlex
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .errors import ATWError
from .filters import DEFAULT_FILTER, FILTERS  # names only: no torch at start-up
from .options import (AU_MODES, DEFAULT_AU_MODE, DEFAULT_MODEL, DEFAULT_ON_ERROR,  # stdlib only
                      DEMO_COMPRESSION, FARM_BACKENDS, ON_ERRORS, PIXEL_TYPES)

EXIT_USER_ERROR = 2
#: Some frames failed and were skipped (``--on-error skip``); the others were rendered.
EXIT_PARTIAL = 3


def _add_render_options(p: argparse.ArgumentParser) -> None:
    from .options import (AOVS, DEFAULT_FACE_BACKEND, DEFAULT_FORMULATION, DEFAULT_GLASSES,
                          DEFAULT_METHOD, FACE_BACKENDS, FORMULATIONS, GLASSES, IMPLS, METHODS)

    p.add_argument("--model", default=DEFAULT_MODEL,
                   help="motion model: 'rig' (embedded landmark AU rig, default) or a model "
                        "bundle folder (learned generator; docs/models.md)")
    p.add_argument("--reswarp", choices=METHODS, default=DEFAULT_METHOD,
                   help=f"ResWarp variant (default {DEFAULT_METHOD})")
    p.add_argument("--formulation", choices=FORMULATIONS, default=DEFAULT_FORMULATION,
                   help=f"ResWarp formulation (default {DEFAULT_FORMULATION}; see docs/frame.md)")
    p.add_argument("--filter", choices=FILTERS, default=DEFAULT_FILTER,
                   help="what the warp samples the plate with: bilinear (the paper's; softens "
                        "grain where the motion is fractional), cubic (Keys, a=-0.5) or lanczos "
                        f"(Lanczos-3); held near the range of the 2x2 pixels around each sample, "
                        f"so highlights do not ring (default {DEFAULT_FILTER}; docs/frame.md)")
    p.add_argument("--au-mode", choices=AU_MODES, default=DEFAULT_AU_MODE,
                   help="AUs as edits of the face (relative, default; a learned model adds them "
                        "to the face's own, estimated) or as the target expression (absolute, "
                        "the paper's)")
    p.add_argument("--glasses", choices=GLASSES, default=DEFAULT_GLASSES,
                   help="auto: a dark glasses frame found on the face stays still while the "
                        "face moves behind it (light or rimless frames are not found); off: "
                        f"it moves with the face (default {DEFAULT_GLASSES})")
    p.add_argument("--reswarp-impl", choices=IMPLS, default="auto",
                   help="ResWarp implementation: auto (the fused kernel for the device, falling "
                        "back to the reference), cpu, triton, ref (default auto)")
    p.add_argument("--face-box", metavar="X,Y,SIZE",
                   help="square face crop in plate pixels (top-left origin); default: detect")
    p.add_argument("--face-boxes", metavar="FILE",
                   help='a face crop per frame, JSON {"1001": [X, Y, SIZE], ...} (e.g. baked '
                        "from a host's tracker)")
    p.add_argument("--face-backend", choices=FACE_BACKENDS, default=DEFAULT_FACE_BACKEND,
                   help="face detector + landmarks: 'mesh' (MediaPipe's 478-point mesh in torch, "
                        "Apache-2.0) or 'dlib' (68 points; its model excludes commercial use) "
                        f"(default {DEFAULT_FACE_BACKEND})")
    p.add_argument("--face-index", type=_at_least(0, int), default=0,
                   help="which detected face, largest first on the first frame; followed "
                        "through the shot (default 0)")
    p.add_argument("--aov", default="", metavar="LIST",
                   help=f"extra EXR layers, comma-separated: {','.join(AOVS)}")
    p.add_argument("--colorspace", default=None,
                   help="OCIO colour space of the input (default: linear Rec.709 for EXR, "
                        "sRGB for PNG/JPEG/video)")
    p.add_argument("--device", default="cpu", help="torch device for ResWarp (cpu, cuda, cuda:N)")


def _add_frame_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--frames", help="frame spec, e.g. 1001-1100, 1001-1100x2, 1,5,9-12")
    p.add_argument("--frames-in", metavar="SPEC",
                   help="keep only the --frames that are also in SPEC (farm chunks of a sparse job)")


#: RenderOptions fields whose flag is spelled otherwise (``--aov a,b``; ``--colorspace``, as
#: Nuke and OCIO spell it).
_FLAG_OF_FIELD = {"aovs": "aov", "colourspace": "colorspace"}


def _options(args):
    """The render flags as :class:`~atw_ofx.render.RenderOptions`: each field from its flag."""
    from dataclasses import fields

    from .render import RenderOptions

    given = {f.name: getattr(args, _FLAG_OF_FIELD.get(f.name, f.name))
             for f in fields(RenderOptions)}
    given["aovs"] = tuple(a.strip() for a in given["aovs"].split(",") if a.strip())
    return RenderOptions(**given)


def _frames(args) -> list[int] | None:
    """``--frames`` narrowed by ``--frames-in`` (a farm chunk of a stepped or listed job)."""
    from .sequence import parse_frames

    frames = parse_frames(args.frames) if args.frames else None
    if getattr(args, "frames_in", None):
        allowed = set(parse_frames(args.frames_in))
        if frames is None:
            raise ATWError("--frames-in needs --frames")
        frames = [f for f in frames if f in allowed]
    return frames


def _batch_options(args):
    from .batch import BatchOptions
    from .face import CropBox
    from .face.track import FaceTrack, load_face_boxes

    return BatchOptions(
        frames=_frames(args), skip_existing=getattr(args, "skip_existing", False),
        on_error=getattr(args, "on_error", DEFAULT_ON_ERROR), workers=getattr(args, "workers", 1),
        pixel_type=getattr(args, "pixel_type", None),
        compression=getattr(args, "compression", None), progress=not getattr(args, "quiet", False),
        output_colourspace=getattr(args, "output_colorspace", None),
        face_box=CropBox.parse(args.face_box) if args.face_box else None,
        face_boxes=load_face_boxes(args.face_boxes) if getattr(args, "face_boxes", None) else None,
        track=FaceTrack.load(args.track) if getattr(args, "track", None) else None)


def cmd_render(args) -> int:
    from .aus import AUCurves, load_curves, parse_au_assignments
    from .expressions import expression_aus
    from .sequence import check_input

    # What the user typed is checked before torch loads: a mistake answers in well under 1 s.
    check_input(args.input, _frames(args))
    if args.pixel_type:
        from .imageio import pixel_type_error

        why = pixel_type_error(args.output, args.pixel_type)
        if why:
            raise ATWError(f"--pixel-type {args.pixel_type}: {why}")
    if args.colorspace or args.output_colorspace:
        from .colour import known  # OCIO, no torch: a misspelt space answers at once

        for space in filter(None, (args.colorspace, args.output_colorspace)):
            known(space)
    curves = load_curves(args.aus) if args.aus else AUCurves()
    constants = {**expression_aus(args.expression or []), **parse_au_assignments(args.au or [])}
    curves = curves.smoothed(args.au_filter).with_constants(constants)

    from .batch import render_sequence, write_sequence_preview
    from .models import load_model

    options, batch = _options(args), _batch_options(args)
    if args.ray:
        from .distribute import render_on_ray

        report = render_on_ray(args.ray, args.input, args.output, curves, args.model,
                               options=options, batch=batch, chunk=args.chunk)
    else:
        report = render_sequence(args.input, args.output, curves,
                                 load_model(args.model, device=options.device),
                                 options=options, batch=batch)
    if not (args.aus or constants):
        logging.getLogger("atw").warning("nothing to do: no --au, --expression or --aus given, "
                                         "so the output is the input unchanged")
    if not args.quiet:
        print(_delivered(args.output, report), file=sys.stderr)
    if args.preview:
        write_sequence_preview(args.input, args.output, batch.frames, args.preview,
                               codec=args.preview_codec)
    return EXIT_PARTIAL if report.failed else 0


def _delivered(output: str, report) -> str:
    """The render's last line: what is now at ``output`` — frames written or already there —
    and what was asked for but is not (failed frames, with ``--on-error skip``)."""
    from .sequence import frame_spec, is_sequence

    if not is_sequence(output):
        return f"atw: wrote {output}" if report.written else f"atw: {output} not written"
    there = sorted({t.frame for t in report.timings} | set(report.skipped))
    line = (f"atw: delivered frames {frame_spec(there)} of {output}" if there
            else f"atw: delivered nothing to {output}")
    if report.failed:
        line += f"; NOT delivered: {frame_spec(sorted(report.failed))}"
    return line


def cmd_track(args) -> int:
    from .batch import compute_track

    track = compute_track(args.input, _frames(args), _options(args), _batch_options(args))
    track.save(args.output)
    missed = f"; not detected on {len(track.missed)} (interpolated)" if track.missed else ""
    mouth = f"; the mouth's colours read on {track.mouth.frames} open frame(s)" if track.mouth \
        else ""
    mouth += f"; the lids' make-up on {track.lids.frames} frame(s) with both eyes open" \
        if track.lids else ""
    print(f"atw: tracked {len(track.frames)} frame(s){missed}{mouth} → {args.output}",
          file=sys.stderr)
    return 0


def cmd_farm_emit(args) -> int:
    from .farm import FarmJob, emit, job_frames, without_output
    from .sequence import parse_frames

    render_args = list(args.render_args)
    if render_args[:1] == ["--"]:
        render_args = render_args[1:]
    # Validate the render arguments now, with the render command's own parser.
    parsed = build_parser().parse_args(["render", *render_args])
    if parsed.frames or parsed.track or parsed.ray:
        raise ATWError("give --frames to `farm emit`, not to the render arguments "
                       "(and no --track or --ray: the job makes its own track)")
    rest = without_output(render_args, parsed.input)
    frames = job_frames(parsed.input, parse_frames(args.frames) if args.frames else None)
    name = args.name or Path(parsed.output).name.split(".")[0] or "atw"
    runner = {"atw": shlex.split(args.atw_command)} if args.atw_command else {}
    job = FarmJob(name, parsed.input, parsed.output, frames, args.chunk, rest, **runner)
    for path in emit(job, args.backend, args.out_dir):
        print(path)
    print(f"atw: {args.backend} job {name}: track + {len(job.chunks())} render chunk(s) of "
          f"{len(frames)} frame(s)", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    paths = run_demo(args.output, frames=args.frames, options=_options(args),
                     compression=args.compression)
    for name, path in paths.items():
        print(f"{name:14s} {path}")
    print(f"open {paths['contact_sheet']} for before/after, play {paths['preview']}, or read "
          f"{paths['sequence']} in your compositor (scene-linear EXR)")
    return 0


def cmd_serve(args) -> int:
    from .serve import serve

    return serve()


def cmd_info(args) -> int:
    import torch

    from . import colour
    from .conventions import AU_NAMES
    from .face.detect import BACKENDS

    print(f"atw {__version__}")
    print(f"torch {torch.__version__}; cuda available: {torch.cuda.is_available()}")
    print(f"OCIO config: {colour.config().getName() or colour.BUILTIN_CONFIG}")
    print(f"face backends: {', '.join(BACKENDS)}")
    print("models: rig (embedded); learned bundles with --model FOLDER")
    print(f"ResWarp kernels: cpu {_available('numba')} ({_avx512_status()}), "
          f"triton {_available('triton')}")
    print(f"AUs: {' '.join(AU_NAMES)}")
    return 0


def _available(module: str) -> str:
    import importlib.util

    return "available" if importlib.util.find_spec(module) else "not installed"


def _avx512_status() -> str:
    try:
        from kernels import avx512
    except ImportError as exc:
        return f"AVX-512 kernel: {exc}"
    return f"AVX-512 kernel: {avx512.UNAVAILABLE or 'in use'}"


def _add_bench_options(p: argparse.ArgumentParser, *, default_sizes: str) -> None:
    p.add_argument("--sizes", default=default_sizes,
                   help=f"comma-separated WxH or S (default {default_sizes})")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N] (default cpu)")
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads (default: the cores this process may use)")
    p.add_argument("--min-seconds", type=float, default=1.0,
                   help="time each case for at least this long (default 1)")
    p.add_argument("--json", metavar="FILE", help="write the records to FILE")


def _write_bench(args, records: list[dict], summary: str) -> int:
    import json

    print(summary)
    if args.json:
        from .atomic import write_text

        path = write_text(args.json, json.dumps(records, indent=1) + "\n")
        print(f"wrote {path}")
    return 0


def _at_least(low, kind):
    """An argparse type: a finite number of ``kind`` no smaller than ``low``."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < low:
            raise argparse.ArgumentTypeError(f"expected a finite number ≥ {low}, got {text!r}")
        return value
    return parse


def _choices(*allowed: str):
    """An argparse type: a comma-separated list drawn from ``allowed`` (kept as given)."""
    def parse(text: str) -> str:
        bad = [v for v in text.split(",") if v not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"{bad[0]!r}: expected {', '.join(allowed)}")
        return text
    return parse


def cmd_bench_reswarp(args) -> int:
    from .bench import reswarp as bench

    sizes = [bench.parse_size(s) for s in args.sizes.split(",") if s.strip()]
    impls = [i.strip() for i in args.impls.split(",")] if args.impls else None
    records = bench.bench_reswarp(sizes, device=args.device, impls=impls, threads=args.threads,
                                  method=args.reswarp.split(","),
                                  formulation=args.formulation.split(","),
                                  filter=args.filter.split(","), min_seconds=args.min_seconds)
    return _write_bench(args, records, bench.summary(records))


def cmd_bench_render(args) -> int:
    from .bench import render as bench
    from .bench.reswarp import parse_size

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    records = bench.bench_render(sizes, device=args.device, threads=args.threads,
                                 min_seconds=args.min_seconds)
    return _write_bench(args, records, bench.summary(records))


def _face_images(folders: str) -> list[Path]:
    """The face images of comma-separated folders (each sorted) or image files, in that order;
    an error naming an entry with none."""
    suffixes = (".png", ".jpg", ".jpeg", ".exr", ".tif", ".tiff")
    images: list[Path] = []
    for entry in (e.strip() for e in folders.split(",") if e.strip()):
        path = Path(entry)
        found = [path] if path.is_file() and path.suffix.lower() in suffixes else sorted(
            p for p in path.glob("*") if p.suffix.lower() in suffixes)
        if not found:
            raise ATWError("no face images (png, jpg, exr, tif)", path=entry)
        images += found
    return images


def cmd_bench_fidelity(args) -> int:
    from .bench import fidelity as bench

    images = _face_images(args.data)
    sides = [int(s) for s in args.sides.split(",") if s.strip()]
    records = bench.bench_fidelity(images[:args.faces], sides=sides, amplitude=args.amplitude,
                                   filters=args.filter.split(","), grains=args.grain.split(","),
                                   sheet=Path(args.sheet) if args.sheet else None)
    return _write_bench(args, records, f"{len(records)} records")


def cmd_export_nuke(args) -> int:
    from .models.bundle import load_bundle
    from .models.cattery import OUTPUT_CHANNELS, export_torchscript

    generator, manifest = load_bundle(args.model)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    export_torchscript(generator, args.output)
    print(f"wrote {args.output} ({manifest['name']}): in rgba.red, rgba.green, rgba.blue "
          f"(linear face crop); out {', '.join(OUTPUT_CHANNELS)}; knobs AU01..AU45, "
          "intensity, flip_rows")
    return 0


def cmd_train(args) -> int:
    from .models.generator import GeneratorConfig
    from .render import RenderOptions
    from .train.data import read_class_names
    from .train.loop import TrainConfig, Trainer

    RenderOptions(device=args.device)  # the same clear error for a missing CUDA device
    class_names = ()
    if args.driving == "classes":
        class_names = (tuple(n.strip() for n in args.class_names.split(","))
                       if args.class_names else read_class_names(args.data))
        if class_names and len(class_names) != args.classes:
            raise ATWError(f"{len(class_names)} class names for --classes {args.classes}",
                           path=args.data)
    config = TrainConfig(data=args.data, out=args.out, steps=args.steps, batch=args.batch,
                         critic_steps=args.critic_steps, lr=args.lr, weights=args.weights,
                         seed=args.seed, device=args.device, amp=args.amp,
                         sample_every=args.sample_every,
                         checkpoint_every=args.checkpoint_every,
                         model=GeneratorConfig(ngf=args.ngf, driving=args.driving,
                                               n_driving=17 if args.driving == "aus"
                                               else args.classes,
                                               class_names=class_names))
    trainer = Trainer(config)
    resumed = trainer.load_checkpoint() if args.resume else False
    if not args.resume and (Path(args.out) / "checkpoint").exists():
        raise ATWError("a run is already here: add --resume to continue it, or pick a new --out",
                       path=args.out)
    if args.resume and not resumed:
        print(f"atw train: no checkpoint in {args.out}, starting afresh", file=sys.stderr)
    trainer.run(progress=not args.quiet and sys.stderr.isatty())
    print(f"trained to step {trainer.step}: {Path(args.out) / 'bundle'}")
    return 0


def cmd_bench_train(args) -> int:
    from .bench.train import bench_train

    records = bench_train(device=args.device, ngf=args.ngf, batch=args.batch,
                          critic_steps=args.critic_steps, steps=args.steps, amp=args.amp)
    return _write_bench(args, records, f"{len(records)} record(s)")


def cmd_aus_extract(args) -> int:
    from .aus import save_curves
    from .curve_plot import plot_curves
    from .performance import extract_curves, parse_gains
    from .sequence import parse_frames

    frames = parse_frames(args.frames) if args.frames else None
    found = extract_curves(args.input, frames=frames, face_index=args.face_index,
                           neutral_frame=args.neutral_frame, neutral_from=args.neutral_from,
                           gains=parse_gains(args.gain or []), smooth=args.smooth,
                           retarget=args.retarget)
    save_curves(args.output, found.curves)
    print(f"wrote {args.output}")
    if not args.no_plot:
        plot = Path(args.output).with_suffix(".png")
        plot_curves(plot, found.curves, title=f"{Path(args.input).name}: AU curves")
        print(f"wrote {plot}")
    return 0


def cmd_aus_calibrate(args) -> int:
    import json

    from .atomic import write_text
    from .au_calibration import calibrate

    if args.jobs is not None and args.jobs < 1:
        raise ATWError(f"--jobs {args.jobs}: expected 1 or more")
    estimator = calibrate(args.clips, args.labelled or [], jobs=args.jobs)
    write_text(args.output, json.dumps(estimator.to_json(), indent=1) + "\n")
    for name, scores in estimator.report["labelled"].items():
        rs = {au: row["r"] for au, row in scores["per_au"].items()
              if row["visible"] and row["r"] is not None}
        print(f"{name}: {scores['frames']} frames; Pearson r (AUs that vary) "
              + " ".join(f"{au} {r:.2f}" for au, r in rs.items()))
    print(f"wrote {args.output}")
    return 0


def cmd_eval(args) -> int:
    from .aus import key_name, parse_au_assignments

    # Checked before anything loads: a mistake answers at once, in one line.
    target = {key_name(key): v for key, v in parse_au_assignments(
        args.target.split(","), "--target").items()}
    images = _face_images(args.faces)

    from .evaluate import evaluate
    from .models import load_model
    if args.edits:
        from .edits import evaluate_edits

        record = evaluate_edits(load_model(args.model), images[:args.count], side=args.side,
                                sheet=Path(args.sheet) if args.sheet else None)
        return _write_bench(args, [record], edits_summary(record))
    record = evaluate(load_model(args.model), images[:args.count], target=target,
                      frames=args.frames, side=args.side, au_mode=args.au_mode,
                      sheet=Path(args.sheet) if args.sheet else None)
    return _write_bench(args, [record], json_summary(record))


def edits_summary(record: dict) -> str:
    """One line per measured edit: the principal measures, asked → measured (IOD)."""
    lines = []
    for name, r in record["summary"].items():
        parts = [f"{part} {r['asked'][part]['up']:+.3f}→{m['up']:+.3f}"
                 for part, m in r["measured"].items()
                 if "asked" in r and abs(r["asked"][part]["up"]) >= 0.02]
        for key in ("eye_aspect_ratio", "mouth_opening", "interior_luminance_vs_cheek",
                    "grain_kept"):
            if key in r:
                parts.append(f"{key} {r[key]:.3f}")
        lines.append(f"{name:10s} " + ", ".join(parts))
    return "\n".join(lines)


def json_summary(record: dict) -> str:
    return (f"{record['model']}: AU error {record['au_error']}, identity "
            f"{record['identity_cosine']}, FWE×1e3 {record['fwe_x1e3']} over "
            f"{record['faces']} faces")


def cmd_data_crops(args) -> int:
    from .train.crops import make_crops

    count = make_crops(args.inputs, args.output, every=args.every, size=args.size,
                       test_clips=args.test_clips)
    print(f"wrote {count} crops to {args.output}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line (a farm log greps one line per failure), exit 2."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="atw", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"atw {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="animate a face in an image, a sequence or a clip")
    render.add_argument("input", help="image, sequence pattern (plate.####.exr, plate.%%04d.exr) "
                                      "or video")
    render.add_argument("-o", "--output", required=True,
                        help="output image, or pattern for sequences")
    render.add_argument("--au", action="append", metavar="AUxx=V",
                        help="constant AU intensity 0-5 (repeatable; overrides --aus); AUxxL= or "
                             "AUxxR= for the face's own left or right side alone (AU45L=5: a "
                             "wink)")
    render.add_argument("--aus", metavar="FILE", help="AU curves: JSON (see README) or OpenFace CSV")
    render.add_argument("--expression", action="append", metavar="NAME=W",
                        help="a named expression at weight 0-1 (happy, sad, surprise, fear, "
                             "anger, disgust, contempt, or an alias such as smile or angry; "
                             "repeatable, adds up; --au overrides)")
    render.add_argument("--au-filter", type=_at_least(0.0, float), default=0.0, metavar="SIGMA",
                        help="low-pass the AU curves with a Gaussian of SIGMA frames (default off)")
    _add_frame_options(render)
    render.add_argument("--pixel-type", choices=PIXEL_TYPES, default=None,
                        help="the output's pixels: half or float for EXR, uint8 or uint16 for "
                             "PNG/TIFF/DPX (JPEG: uint8) (default: EXR as the input; a display "
                             "file 8 bits from 8 bits, else its format's usual depth)")
    render.add_argument("--compression", metavar="NAME", default=None,
                        help="EXR compression of the output: none, rle, zips, zip, piz (lossless), "
                             "pxr24, b44, b44a, dwaa, dwab; zip:1-9 sets zlib's level, dwaa:N "
                             "the DWA quality (default: as the input)")
    render.add_argument("--output-colorspace", metavar="NAME", default=None,
                        help="OCIO colour space the EXR output is written in (default: the "
                             "plate's, scene-linear; e.g. a host's display encoding, so the "
                             "result comes back as the plate went out)")
    render.add_argument("--skip-existing", action="store_true",
                        help="leave outputs that already exist (resume an interrupted render)")
    render.add_argument("--on-error", choices=ON_ERRORS, default=DEFAULT_ON_ERROR,
                        help="a frame that cannot be rendered (corrupt input, no face): stop "
                             "(default), or report it and render the rest (exit status 3)")
    render.add_argument("--workers", type=int, default=1,
                        help="frames rendered at once (decode and encode always overlap)")
    render.add_argument("--track", metavar="FILE",
                        help="face track from `atw track` (default: track the frames rendered)")
    render.add_argument("--preview", metavar="CLIP",
                        help="also write a preview clip (.mp4/.mov) of the rendered frames")
    render.add_argument("--preview-codec", choices=("h264", "prores"), default="h264")
    render.add_argument("--ray", metavar="ADDRESS",
                        help="render chunks on a Ray cluster: 'auto' or HOST:PORT")
    render.add_argument("--chunk", type=int, default=10, help="frames per Ray task (default 10)")
    render.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    _add_render_options(render)
    render.set_defaults(func=cmd_render)

    track = sub.add_parser("track", help="track and smooth the face of a shot once, for farm "
                                         "chunks to share (render --track)")
    track.add_argument("input", help="sequence pattern, clip or image")
    track.add_argument("-o", "--output", required=True, help="track file (JSON)")
    _add_frame_options(track)
    _add_render_options(track)
    track.set_defaults(func=cmd_track)

    demo = sub.add_parser("demo", help="render the built-in demo (public-domain portrait)")
    demo.add_argument("-o", "--output", default="atw_demo", help="output folder (default atw_demo)")
    demo.add_argument("--frames", type=int, default=24, help="length of the ramp (default 24)")
    demo.add_argument("--compression", default=DEMO_COMPRESSION,
                      help=f"EXR compression of the plate and frames (default {DEMO_COMPRESSION}: "
                           "lossy and small; piz or zip keep every bit)")
    _add_render_options(demo)
    demo.set_defaults(func=cmd_demo)

    farm = sub.add_parser("farm", help="farm job descriptions")
    farm_sub = farm.add_subparsers(dest="farm_command", required=True)
    emit = farm_sub.add_parser(
        "emit", help="write a farm job: a face-track task, then `atw render` chunks",
        usage=f"atw farm emit --backend {{{','.join(FARM_BACKENDS)}}} [--frames SPEC] [--chunk N] "
              "-- INPUT -o OUTPUT [render options]")
    emit.add_argument("--backend", required=True, choices=FARM_BACKENDS)
    emit.add_argument("--frames", help="the job's frames (default: all of the input's on disk)")
    emit.add_argument("--chunk", type=int, default=10, help="frames per farm task (default 10)")
    emit.add_argument("--name", help="job name (default: from the output file name)")
    emit.add_argument("--out-dir", default="farm", help="where the job files go (default farm/)")
    emit.add_argument("--atw-command", metavar="CMD",
                      help="how a render node runs atw (default: this Python with -m atw_ofx.cli)")
    emit.add_argument("render_args", nargs=argparse.REMAINDER,
                      help="after --: the `atw render` input, -o output and options")
    emit.set_defaults(func=cmd_farm_emit)

    bench = sub.add_parser("bench", help="speed, memory and fidelity benchmarks")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True)
    bench_reswarp = bench_sub.add_parser(
        "reswarp", help="ms/frame and peak memory of ResWarp implementations (fresh process each)")
    _add_bench_options(bench_reswarp, default_sizes="1024,2048x1080,3840x2160,7680x4320")
    bench_reswarp.add_argument("--impls", help="comma-separated subset (default: all for the "
                                               "device)")
    bench_reswarp.add_argument("--reswarp", type=_choices("vanilla", "multiscale"),
                               default="vanilla", metavar="vanilla,multiscale",
                               help="ResWarp method(s), comma-separated (default vanilla)")
    bench_reswarp.add_argument("--formulation", type=_choices("delta", "paper"), default="delta",
                               metavar="delta,paper",
                               help="formulation(s), comma-separated (default delta)")
    bench_reswarp.add_argument("--filter", type=_choices(*FILTERS), default=DEFAULT_FILTER,
                               metavar=",".join(FILTERS),
                               help=f"the warp's filter(s), comma-separated (default "
                                    f"{DEFAULT_FILTER})")
    bench_reswarp.set_defaults(func=cmd_bench_reswarp)

    bench_render = bench_sub.add_parser(
        "render", help="one whole frame (model + ResWarp + paste-back, face track given)")
    _add_bench_options(bench_render, default_sizes="1920x1080,3840x2160,7680x4320")
    bench_render.set_defaults(func=cmd_bench_render, min_seconds=2.0)

    fidelity = bench_sub.add_parser(
        "fidelity", help="PSNR/SSIM of ResWarp vs up-sampling against the exact full-resolution "
                         "warp, and the grain each warp filter keeps")
    fidelity.add_argument("--data", default="../shared/data/plates/ffhq_atw",
                          help="folder of face images (default ../shared/data/plates/ffhq_atw)")
    fidelity.add_argument("--faces", type=int, default=5, help="how many faces (default 5)")
    fidelity.add_argument("--sides", default="1024,2048,4096",
                          help="face crop sides (default 1024,2048,4096)")
    fidelity.add_argument("--amplitude", type=float, default=3.0,
                          help="field amplitude in model (128 px) pixels (default 3)")
    fidelity.add_argument("--filter", type=_choices(*FILTERS), default=",".join(FILTERS),
                          metavar=",".join(FILTERS),
                          help="the warp filters ResWarp is scored with (default all)")
    fidelity.add_argument("--grain", type=_choices("white", "film"), default="white,film",
                          metavar="white,film",
                          help="grain added above 1K: white (per pixel, the worst case) and/or "
                               "film (σ 0.6 px) (default both)")
    fidelity.add_argument("--sheet", metavar="PNG", help="write a contact sheet of 1:1 crops")
    fidelity.add_argument("--json", metavar="FILE", help="write the records to FILE")
    fidelity.set_defaults(func=cmd_bench_fidelity)

    train = sub.add_parser("train", help="train the ATW generator (paper Algorithm 1, WGAN-GP)")
    train.add_argument("--data", required=True,
                       help="data folder: imgs/ + aus.txt | labels.csv | labels.json | *.pkl")
    train.add_argument("--out", required=True, help="run folder (losses, samples, checkpoint, "
                                                    "bundle)")
    train.add_argument("--steps", type=int, default=1000, help="generator steps (default 1000)")
    train.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    train.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default cpu)")
    train.add_argument("--batch", type=int, default=10, help="batch size (default 10, the paper's)")
    train.add_argument("--critic-steps", type=int, default=5,
                       help="critic updates per generator update (default 5)")
    train.add_argument("--ngf", type=int, default=64, help="generator width (64; 128 = released)")
    train.add_argument("--lr", type=float, default=1e-4)
    train.add_argument("--amp", action="store_true",
                       help="bfloat16 autocast for the forward passes (GPU); the gradient "
                            "penalty stays float32")
    train.add_argument("--driving", choices=("aus", "classes"), default="aus",
                       help="driving signal: 17 AU intensities (default) or expression classes "
                            "(label_class.pkl / classes.csv; one-hot, cross-entropy)")
    train.add_argument("--classes", type=int, default=8,
                       help="number of expression classes with --driving classes (default 8)")
    train.add_argument("--class-names", metavar="A,B,...",
                       help="the classes' names in index order (e.g. neutral,happy,sad,...; "
                            "default: DATA/class_names.txt): --expression and AU curves reach a "
                            "class whose name is an expression")
    train.add_argument("--weights", choices=("paper", "code"), default="paper",
                       help="loss weights: the paper's (default) or the authors' code's")
    train.add_argument("--seed", type=int, default=2020)
    train.add_argument("--sample-every", type=int, default=100)
    train.add_argument("--checkpoint-every", type=int, default=100)
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    train.set_defaults(func=cmd_train)

    aus = sub.add_parser("aus", help="AU curves from a performance; the AU estimator")
    aus_sub = aus.add_subparsers(dest="aus_command", required=True)
    extract = aus_sub.add_parser("extract", help="AU curves (JSON) from a reference clip's face")
    extract.add_argument("input", help="clip, sequence pattern or image")
    extract.add_argument("-o", "--output", required=True, help="AU curves JSON (for --aus)")
    extract.add_argument("--frames", help="frame spec (default: all)")
    extract.add_argument("--face-index", type=int, default=0)
    extract.add_argument("--neutral-frame", type=int,
                         help="the performer's neutral frame (default: per measure, where the "
                              "clip is relaxed)")
    extract.add_argument("--neutral-from", metavar="CLIP",
                         help="take the neutral from another clip or image of the performer")
    extract.add_argument("--gain", action="append", metavar="G|AU=G",
                         help="scale the calibrated gains: all AUs (1.5) or one (AU12=2); "
                              "repeatable")
    extract.add_argument("--smooth", type=_at_least(0.0, float), default=0.0, metavar="SIGMA",
                         help="Gaussian smoothing of the curves, sigma in frames (default 0)")
    extract.add_argument("--retarget", action="store_true",
                         help="carry the performer's brows, lip corners, upper lip and cheeks "
                              "as motion onto the rig (lids and mouth opening stay AU curves)")
    extract.add_argument("--no-plot", action="store_true",
                         help="do not write the curves' plot (OUTPUT with .png)")
    extract.set_defaults(func=cmd_aus_extract)
    calibrate = aus_sub.add_parser(
        "calibrate", help="calibrate the AU estimator's gains on performances; score them on "
                          "labelled frames")
    calibrate.add_argument("clips", nargs="+", help="performance clips (or sequences)")
    calibrate.add_argument("--labelled", action="append", metavar="PATH",
                           help="OpenFace-labelled frames to score: a folder in atw train's "
                                "layout or an OpenFace CSV; repeatable")
    calibrate.add_argument("-o", "--output", required=True, help="calibration JSON")
    calibrate.add_argument("--jobs", type=int, default=None, metavar="N",
                           help="clips tracked at once (default: the cores this process may use)")
    calibrate.set_defaults(func=cmd_aus_calibrate)

    data = sub.add_parser("data", help="training data tools")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    crops = data_sub.add_parser("crops", help="clips → aligned 128 px crops labelled with AUs "
                                              "(the layout atw train reads)")
    crops.add_argument("inputs", nargs="+", help="clips or sequence patterns")
    crops.add_argument("-o", "--output", required=True, help="data folder to write")
    crops.add_argument("--every", type=int, default=5, help="keep every N-th frame (default 5)")
    crops.add_argument("--size", type=int, default=128, help="crop side (default 128)")
    crops.add_argument("--test-clips", type=int, default=1,
                       help="the last N clips form the test split (default 1)")
    crops.set_defaults(func=cmd_data_crops)

    evaluate = sub.add_parser("eval", help="AU error, identity and temporal stability of a model "
                                           "on unseen faces")
    evaluate.add_argument("--model", default=DEFAULT_MODEL, help="'rig' or a model bundle folder")
    evaluate.add_argument("--faces", default="../shared/data/plates/ffhq_atw",
                          help="face images not used for training: folders or files, "
                               "comma-separated")
    evaluate.add_argument("--count", type=int, default=5, help="how many faces (default 5)")
    evaluate.add_argument("--target", default="AU12=3,AU25=1.5,AU06=2",
                          help="the ramp's end, AUxx=V,... (default AU12=3,AU25=1.5,AU06=2)")
    evaluate.add_argument("--frames", type=int, default=8, help="ramp length (default 8)")
    evaluate.add_argument("--side", type=int, default=512, help="face image side (default 512)")
    evaluate.add_argument("--au-mode", choices=AU_MODES, default=DEFAULT_AU_MODE)
    evaluate.add_argument("--sheet", metavar="PNG",
                          help="contact sheet: first, middle, last (with --edits: every preset)")
    evaluate.add_argument("--edits", action="store_true",
                          help="measure each AU at 5 and each preset at 0.8 on the rendered "
                               "output instead: displacement asked vs measured, eye closure, "
                               "mouth opening and interior, grain kept (docs/evaluation.md)")
    evaluate.add_argument("--json", metavar="FILE", help="write the record to FILE")
    evaluate.set_defaults(func=cmd_eval)

    export = sub.add_parser("export", help="export a model bundle for a host")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    export_nuke = export_sub.add_parser(
        "nuke", help="TorchScript for Nuke's CatFileCreator (change RGB + forward.u/v out)")
    export_nuke.add_argument("--model", required=True, help="model bundle folder")
    export_nuke.add_argument("-o", "--output", required=True, help="TorchScript file (.pt)")
    export_nuke.set_defaults(func=cmd_export_nuke)

    bench_train = bench_sub.add_parser(
        "train", help="generator steps per second (5 critic steps each, batch 10)")
    bench_train.add_argument("--device", default="cpu")
    bench_train.add_argument("--ngf", type=int, default=64)
    bench_train.add_argument("--batch", type=int, default=10)
    bench_train.add_argument("--critic-steps", type=int, default=5)
    bench_train.add_argument("--steps", type=int, default=3, help="steps timed (default 3)")
    bench_train.add_argument("--amp", action="store_true", help="bfloat16 autocast (atw train --amp)")
    bench_train.add_argument("--json", metavar="FILE", help="write the records to FILE")
    bench_train.set_defaults(func=cmd_bench_train)

    serve = sub.add_parser("serve", help="a warm render worker for host previews: one JSON "
                                         "request per line on stdin, one answer per line on "
                                         "stdout (docs/hosts.md)")
    serve.set_defaults(func=cmd_serve)

    info = sub.add_parser("info", help="versions, devices, backends")
    info.set_defaults(func=cmd_info)
    return parser


class Terminated(Exception):
    """SIGTERM (a farm cancelling a task, a host cancelling its render), raised in the main
    thread so that writes in flight finish or remove their temporaries, as on Ctrl-C."""


def _raise_terminated(signum, frame):
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    logging.addLevelName(logging.WARNING, "warning")  # "atw: warning: …", as the printed ones
    logging.basicConfig(level=logging.WARNING, format="atw: %(levelname)s: %(message)s")
    args = build_parser().parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _raise_terminated) if main_thread else None
    try:
        return args.func(args)
    except ATWError as exc:
        print(f"atw: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("atw: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("atw: terminated", file=sys.stderr)
        return 143
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, before)


if __name__ == "__main__":
    sys.exit(main())
