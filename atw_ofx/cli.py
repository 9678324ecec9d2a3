"""The ``atw`` command line: ``render``, ``demo``, ``info``.

Errors a user can act on print one line (``atw: error: <file> (frame N): <what>``) and exit 2.
"""
from __future__ import annotations

import argparse
import logging
import sys

from . import __version__
from .errors import ATWError

EXIT_USER_ERROR = 2


def _add_render_options(p: argparse.ArgumentParser) -> None:
    from .render import AOVS
    from .reswarp import DEFAULT_FORMULATION, DEFAULT_METHOD, FORMULATIONS, METHODS

    p.add_argument("--model", default="rig",
                   help="motion model: 'rig' (embedded landmark AU rig, default)")
    p.add_argument("--reswarp", choices=METHODS, default=DEFAULT_METHOD,
                   help=f"ResWarp variant (default {DEFAULT_METHOD})")
    p.add_argument("--formulation", choices=FORMULATIONS, default=DEFAULT_FORMULATION,
                   help=f"ResWarp formulation (default {DEFAULT_FORMULATION}; see README)")
    p.add_argument("--face-box", metavar="X,Y,SIZE",
                   help="square face crop in plate pixels (top-left origin); default: detect")
    p.add_argument("--face-index", type=int, default=0,
                   help="which detected face, largest first (default 0)")
    p.add_argument("--aov", default="", metavar="LIST",
                   help=f"extra EXR layers, comma-separated: {','.join(AOVS)}")
    p.add_argument("--colorspace", default=None,
                   help="OCIO colour space of the input (default: linear Rec.709 for EXR, "
                        "sRGB for PNG/JPEG/video)")
    p.add_argument("--device", default="cpu", help="torch device for ResWarp (cpu, cuda, cuda:N)")


def _options(args):
    from .render import RenderOptions

    aovs = tuple(a.strip() for a in args.aov.split(",") if a.strip())
    return RenderOptions(reswarp=args.reswarp, formulation=args.formulation, aovs=aovs,
                         face_index=args.face_index, colourspace=args.colorspace,
                         device=args.device)


def cmd_render(args) -> int:
    from .aus import AUCurves, load_curves, parse_au_assignments
    from .face import CropBox
    from .models import load_model
    from .render import render_sequence
    from .sequence import parse_frames

    curves = load_curves(args.aus) if args.aus else AUCurves()
    curves = curves.with_constants(parse_au_assignments(args.au or []))
    options = _options(args)
    written = render_sequence(
        args.input, args.output, curves, load_model(args.model),
        frames=parse_frames(args.frames) if args.frames else None,
        face_box=CropBox.parse(args.face_box) if args.face_box else None,
        options=options, progress=not args.quiet, pixel_type=args.pixel_type,
        skip_existing=args.skip_existing)
    if written and not args.quiet:
        print(f"atw: wrote {written[0]}" + (f" … {written[-1]}" if len(written) > 1 else ""),
              file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    paths = run_demo(args.output, frames=args.frames, options=_options(args))
    for name, path in paths.items():
        print(f"{name:14s} {path}")
    return 0


def cmd_info(args) -> int:
    import torch

    from . import colour
    from .conventions import AU_NAMES
    from .face.detect import BACKENDS

    print(f"atw {__version__}")
    print(f"torch {torch.__version__}; cuda available: {torch.cuda.is_available()}")
    print(f"OCIO config: {colour.config().getName() or colour.BUILTIN_CONFIG}")
    print(f"face backends: {', '.join(BACKENDS)}")
    print("models: rig (embedded)")
    print(f"AUs: {' '.join(AU_NAMES)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atw", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"atw {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="animate a face in an image, a sequence or a clip")
    render.add_argument("input", help="image, sequence pattern (plate.####.exr, plate.%%04d.exr) "
                                      "or video")
    render.add_argument("-o", "--output", required=True,
                        help="output image, or pattern for sequences")
    render.add_argument("--au", action="append", metavar="AUxx=V",
                        help="constant AU intensity 0-5 (repeatable; overrides --aus)")
    render.add_argument("--aus", metavar="FILE", help="AU curves: JSON (see README) or OpenFace CSV")
    render.add_argument("--frames", help="frame spec, e.g. 1001-1100, 1001-1100x2, 1,5,9-12")
    render.add_argument("--pixel-type", choices=("half", "float"), default=None,
                        help="EXR pixel type of the output (default: as the input)")
    render.add_argument("--skip-existing", action="store_true",
                        help="leave outputs that already exist (resume an interrupted render)")
    render.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    _add_render_options(render)
    render.set_defaults(func=cmd_render)

    demo = sub.add_parser("demo", help="render the built-in demo (public-domain portrait)")
    demo.add_argument("-o", "--output", default="atw_demo", help="output folder (default atw_demo)")
    demo.add_argument("--frames", type=int, default=24, help="length of the ramp (default 24)")
    _add_render_options(demo)
    demo.set_defaults(func=cmd_demo, aov="motion,stmap,matte")

    info = sub.add_parser("info", help="versions, devices, backends")
    info.set_defaults(func=cmd_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="atw: %(levelname)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ATWError as exc:
        print(f"atw: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("atw: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
