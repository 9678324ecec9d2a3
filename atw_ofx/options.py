"""The render's option vocabulary: the names and defaults every interface offers (the CLI, the
render job the host adapters build, the farm emitters). Standard library only — the CLI builds its
parser, and answers a mistyped path, without loading torch; host plugins import it as they are.
The warp filters' names live beside their definition, in :mod:`atw_ofx.filters`.
"""
from __future__ import annotations

#: The plate's colour space when none is named (EXR inputs), as OCIO's CG config names it;
#: :data:`atw_ofx.colour.DEFAULT_PLATE_SPACE` is this, and the host plugins read it here.
DEFAULT_PLATE_SPACE = "Linear Rec.709 (sRGB)"
#: ResWarp variants (:mod:`atw_ofx.reswarp`): the paper's vanilla and multiscale.
METHODS: tuple[str, ...] = ("vanilla", "multiscale")
DEFAULT_METHOD = "vanilla"
#: ResWarp formulations; "delta" keeps pure warps exact on linear plates (docs/frame.md).
FORMULATIONS: tuple[str, ...] = ("paper", "delta")
DEFAULT_FORMULATION = "delta"
#: ResWarp implementations: the fused kernel for the device ("auto"), one named, or the reference.
IMPLS: tuple[str, ...] = ("auto", "cpu", "triton", "ref")
#: Output pixel types (``--pixel-type``): an EXR's channels, or a display file's integer depth
#: (by default an EXR keeps the input's, a display file 8 bits from 8 bits, else its format's).
EXR_PIXEL_TYPES: tuple[str, ...] = ("half", "float")
DISPLAY_PIXEL_TYPES: tuple[str, ...] = ("uint8", "uint16")
PIXEL_TYPES: tuple[str, ...] = EXR_PIXEL_TYPES + DISPLAY_PIXEL_TYPES
#: Extra layers a render can write (``--aov``).
AOVS: tuple[str, ...] = ("motion", "stmap", "matte", "generated")
#: How AU values are read: edits of the face's own expression, or the paper's absolute ones.
AU_MODES: tuple[str, ...] = ("relative", "absolute")
DEFAULT_AU_MODE = "relative"  # compositors think in edits: all AUs 0 = the plate unchanged
#: What a sequence render does with a frame it cannot render (corrupt input, no face): stop, or
#: report it and go on (``atw render --on-error``).
ON_ERRORS: tuple[str, ...] = ("stop", "skip")
DEFAULT_ON_ERROR = "stop"
#: The motion model when none is named: the embedded landmark rig.
DEFAULT_MODEL = "rig"
#: Farm job formats ``atw farm emit`` writes (:mod:`atw_ofx.farm`).
FARM_BACKENDS: tuple[str, ...] = ("opencue", "deadline", "cmdlist")
#: Glasses frames (``--glasses``): found on the face and held still while it moves behind them,
#: or left to move with the face.
GLASSES: tuple[str, ...] = ("auto", "off")
DEFAULT_GLASSES = "auto"
#: Face landmark backends (:data:`atw_ofx.face.detect.BACKENDS`).
FACE_BACKENDS: tuple[str, ...] = ("mesh", "dlib")
DEFAULT_FACE_BACKEND = "mesh"
#: The demo's EXR compression: DWAA (lossy, the size of a review copy; quality 45 is OpenEXR's
#: default and visually lossless). ``atw demo --compression piz`` keeps every bit.
DEMO_COMPRESSION = "dwaa"
