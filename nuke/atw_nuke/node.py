"""The Animate Face node, described in Python and written out as a Nuke gizmo.

The description (:func:`knobs`, :data:`INTERNALS`) is the single source: the gizmo file
``nuke/ATW_AnimateFace.gizmo`` is generated from it (``python -m atw_nuke.node``) and a test
checks the committed file against the generator, so the knobs a compositor sees are testable as
text. Knob type ids are Nuke's ``addUserKnob`` ids.

The node's state lives on its own knobs, because a saved script keeps only a gizmo's own knobs
(the nodes inside are rebuilt from the .gizmo on load): ``result_file`` (the rendered sequence,
``%04d``), ``result_first``/``result_last`` (the frames rendered) and ``status`` (shown on the
node as its label). The nodes inside read them through expressions, so a reopened script and a
``nuke -x`` render show the result without any Python.

Inside, in Nuke's stack order (a node takes its inputs from the top of the stack, the last pushed
becoming input 0)::

    Input1 ─► ATW_Source (a disabled Write) ─► ATW_Switch input 0 ─► Output1
              ATW_Result (Read of result_file) ─► ATW_Switch input 1

``ATW_Switch`` picks input 1 only at a frame inside the rendered range whose file exists, so the
plate passes through until a result exists (and where a farm job has not yet written a frame).
The Render button enables the Write just for its own ``nuke.execute``, so a script's "Render
all" never runs it. Both Write and Read are raw: the EXR holds the script's working space,
named to ``atw render`` with ``--colorspace``.
"""
from __future__ import annotations

from dataclasses import dataclass

from atw_ofx.facs import (AU_FACS_NAMES, AU_NAMES, AU_RANGE, EXPRESSION_RANGE, EXPRESSIONS,
                          SIDED_AU_NAMES, expression_recipe)
from atw_ofx.filters import DEFAULT_FILTER, FILTERS
from atw_ofx.options import (AU_MODES, DEFAULT_AU_MODE, DEFAULT_FORMULATION, DEFAULT_GLASSES,
                             DEFAULT_METHOD, DEFAULT_MODEL, FARM_BACKENDS, FORMULATIONS, GLASSES,
                             METHODS)

GIZMO = "ATW_AnimateFace"
NUKE_VERSION = "13.0 v1"  # the oldest Nuke whose gizmo syntax this targets

# addUserKnob type ids
TAB, TEXT, FILE, INT, PULLDOWN, CHECKBOX, FLOAT, BOX, BUTTON, LABEL = 20, 1, 2, 3, 4, 6, 7, 15, 22, 26

#: Where the frames come from (``frame_range`` knob): the input's, the script's, or the knobs'.
RANGE_SOURCES = ("input", "script", "custom")
#: The knobs that change what a render would make: editing one marks the result stale.
NOT_RENDER_KNOBS = ("status", "result_file", "result_first", "result_last", "work_dir",
                    "atw_python", "farm_backend", "farm_chunk", "render", "preview", "farm",
                    "label", "selected", "xpos", "ypos", "name", "showPanel", "hidePanel",
                    "inputChange")


def _action(function: str) -> str:
    return f"import atw_nuke.actions\natw_nuke.actions.{function}(nuke.thisNode())"


KNOB_CHANGED = ("import atw_nuke.actions\n"
                "atw_nuke.actions.knob_changed(nuke.thisNode(), nuke.thisKnob())")
NOT_RENDERED = "not rendered"


@dataclass(frozen=True)
class Knob:
    """One user knob: Nuke type id, script name, label, default and type-specific data."""

    type_id: int
    name: str
    label: str = ""
    default: object = None
    tooltip: str = ""
    items: tuple = ()  # pulldown entries
    range: tuple = None  # slider range
    script: str = ""  # button code
    new_line: bool = True  # False: on the same row as the previous knob


def _one_side_knob(name: str) -> Knob:
    """The knob of one side's AU (``AU12L``): the left starts a row labelled with its AU, the
    right sits beside it."""
    au, side = name[:-1], name[-1]
    own, image = ("left", "right") if side == "L" else ("right", "left")
    return Knob(FLOAT, name, f"{au} {AU_FACS_NAMES[au]} {side}" if side == "L" else side, 0.0,
                range=AU_RANGE, new_line=side == "L",
                tooltip=f"{au} on the person's own {own} side alone (FACS {side}: on a face "
                        f"turned to the camera, the image's {image}), 0-5; in place of the {au} "
                        "knob on that side once keyed or set above 0")


def _expression_knob(name: str) -> Knob:
    """The weight knob of a named expression (``happy``: :data:`~atw_ofx.facs.EXPRESSIONS`)."""
    return Knob(FLOAT, name, name, 0.0, range=EXPRESSION_RANGE,
                tooltip=f"the {name} expression's weight, 0-1 (at 1: {expression_recipe(name)}), "
                        "added to the AU knobs; keyframe it")


def knobs() -> list:
    """The node's knobs, in panel order."""
    aus = [Knob(FLOAT, name, f"{name} {AU_FACS_NAMES[name]}", 0.0, range=AU_RANGE,
                tooltip=f"FACS {name} ({AU_FACS_NAMES[name]}) intensity, 0-5; keyframe it")
           for name in AU_NAMES]
    return [
        Knob(TAB, "atw", "ATW"),
        *(_expression_knob(name) for name in EXPRESSIONS),
        Knob(LABEL, "expressions_divider", "", ""),
        *aus,
        Knob(FLOAT, "intensity", "intensity", 1.0, range=(0.0, 2.0),
             tooltip="scales every AU and expression (the results held to 0-5 and 0-1)"),
        Knob(LABEL, "settings_divider", "", ""),
        Knob(FILE, "model", "model", DEFAULT_MODEL,
             tooltip="'rig' (the built-in landmark rig) or a model bundle folder"),
        Knob(PULLDOWN, "reswarp", "ResWarp", DEFAULT_METHOD, items=METHODS),
        Knob(PULLDOWN, "formulation", "formulation", DEFAULT_FORMULATION, items=FORMULATIONS,
             new_line=False),
        Knob(PULLDOWN, "filter", "filter", DEFAULT_FILTER, items=FILTERS, new_line=False,
             tooltip="what the warp samples the plate with: bilinear softens grain where the "
                     "face moves by a fraction of a pixel; cubic (Keys) and lanczos (Lanczos-3) "
                     "keep it, held near the range of the 2x2 pixels around each sample "
                     "(no ringing)"),
        Knob(PULLDOWN, "au_mode", "AU mode", DEFAULT_AU_MODE, items=AU_MODES,
             tooltip="relative: AUs are edits of the face as it is (all 0 = unchanged); "
                     "absolute: the target expression (a learned model's paper semantics)"),
        Knob(PULLDOWN, "glasses", "glasses", DEFAULT_GLASSES, items=GLASSES, new_line=False,
             tooltip="auto: a dark glasses frame found on the face stays still while the face "
                     "moves behind it (light or rimless frames are not found); off: it moves "
                     "with the face"),
        Knob(INT, "face_index", "face", 0, new_line=False,
             tooltip="which face when several are found: 0 the largest, 1 the next, ..."),
        Knob(CHECKBOX, "use_face_box", "use face box", False,
             tooltip="crop this box instead of detecting and tracking the face"),
        Knob(BOX, "face_box", "face box", (0.0, 0.0, 512.0, 512.0),
             tooltip="x, y, r, t in pixels of the input (Nuke's origin, bottom-left); key it or "
                     "link it to a Tracker to follow the face by hand, otherwise ATW detects "
                     "the face and follows it"),
        Knob(CHECKBOX, "aov_motion", "motion AOV", False),
        Knob(CHECKBOX, "aov_stmap", "STMap AOV", False, new_line=False),
        Knob(CHECKBOX, "aov_matte", "matte AOV", False, new_line=False),
        Knob(PULLDOWN, "frame_range", "frame range", RANGE_SOURCES[0], items=RANGE_SOURCES,
             tooltip="the frames Render makes: the input's (default), the script's, or first-last"),
        Knob(INT, "first_frame", "first", 1001, new_line=False),
        Knob(INT, "last_frame", "last", 1100, new_line=False),
        Knob(FILE, "work_dir", "work folder", "",
             tooltip="where the source, the curves and the result go (default: "
                     "atw/<script name>/<node name> beside the script, one per script version)"),
        Knob(FILE, "atw_python", "ATW Python", "",
             tooltip="the Python of the environment ATW is installed in "
                     "(default: $ATW_PYTHON, else `atw` on PATH)"),
        Knob(PULLDOWN, "farm_backend", "farm", FARM_BACKENDS[-1], items=FARM_BACKENDS,
             tooltip="the job format Submit to farm writes (atw farm emit)"),
        Knob(INT, "farm_chunk", "frames per task", 10, new_line=False),
        Knob(BUTTON, "render", "Render", script=_action("render_button"),
             tooltip="bake the AU knobs, write the input, run atw render in the background, "
                     "read the result (cancel from the progress bar)"),
        Knob(BUTTON, "preview", "Preview frame", script=_action("preview_button"),
             new_line=False, tooltip="render only the current frame"),
        Knob(BUTTON, "farm", "Submit to farm", script=_action("farm_button"), new_line=False,
             tooltip="write the input and a farm job (face track, then chunks) with atw farm "
                     "emit; the node shows each frame as the farm writes it. The script is "
                     "never saved for you"),
        Knob(LABEL, "result_divider", "", ""),
        Knob(TEXT, "status", "status", NOT_RENDERED,
             tooltip="what the node shows: set by Render, Preview and Submit, marked stale "
                     "when a knob that changes the render changes"),
        Knob(FILE, "result_file", "result", "",
             tooltip="the rendered sequence (set by Render; saved with the script)"),
        Knob(INT, "result_first", "rendered", 1, tooltip="the first frame rendered"),
        Knob(INT, "result_last", "to", 0, new_line=False,
             tooltip="the last frame rendered (before first: nothing rendered yet)"),
        Knob(TAB, "atw_one_side", "One side"),
        *(_one_side_knob(name) for name in SIDED_AU_NAMES),
    ]


class Expression(str):
    """A knob value that is a Nuke expression (written ``{{"..."}}``), not a constant."""


#: A frame of the result exists on disk (Tcl ``format`` fills the ``%04d`` of result_file).
RESULT_FRAME_EXISTS = "[file exists [format [value parent.result_file] [frame]]]"
SHOW_RESULT = Expression("frame >= parent.result_first && frame <= parent.result_last && "
                         + RESULT_FRAME_EXISTS)

#: The group's inside, in script order: ``(name, class, knob values)`` nodes and the stack
#: commands between them (``set VAR [stack 0]`` names the top, ``push $VAR`` pushes it again).
INTERNALS = (
    ("Input1", "Input", {"inputs": 0}),
    ("ATW_Source", "Write", {"file": "", "file_type": "exr", "datatype": "32 bit float",
                             "channels": "all", "raw": True, "disable": True}),
    "set N_source [stack 0]",
    ("ATW_Result", "Read", {"inputs": 0, "file": "[value parent.result_file]", "raw": True,
                            "first": Expression("parent.result_first"),
                            "last": Expression("parent.result_last"),
                            "origfirst": Expression("parent.result_first"),
                            "origlast": Expression("parent.result_last"),
                            "on_error": "black"}),
    "push $N_source",  # the plate on top again: it becomes the Switch's input 0
    ("ATW_Switch", "Switch", {"inputs": 2, "which": SHOW_RESULT}),
    ("Output1", "Output", {}),
)
#: Input of ATW_Switch that shows the result (input 0 is the plate).
RESULT_INPUT = 1


def _tcl(value) -> str:
    """A knob value as Nuke's script syntax writes it."""
    if isinstance(value, Expression):
        return "{{" + _tcl(str(value)) + "}}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "{" + " ".join(_tcl(v) for v in value) + "}"
    text = str(value)
    if text and all(c.isalnum() or c in "_.-/" for c in text):
        return text
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
               .replace("[", "\\[").replace("]", "\\]").replace("\n", "\\n"))
    return f'"{escaped}"'


def _add_user_knob(knob: Knob) -> str:
    parts = [str(knob.type_id), knob.name]
    if knob.label:
        parts += ["l", _tcl(knob.label)]
    if knob.script:
        parts += ["T", _tcl(knob.script)]
    if knob.tooltip:
        parts += ["t", _tcl(knob.tooltip)]
    if knob.items:
        parts += ["M", "{" + " ".join(knob.items) + "}"]
    if knob.range:
        parts += ["R", _tcl(knob.range[0]), _tcl(knob.range[1])]
    if not knob.new_line:
        parts.append("-STARTLINE")
    return f" addUserKnob {{{' '.join(parts)}}}"


def gizmo_text() -> str:
    """The ``.gizmo`` file: the group's knobs, their defaults, then its internal nodes."""
    lines = [f"version {NUKE_VERSION}", "Gizmo {", " inputs 1",
             ' help "ATW: animate the face in the input with keyframed FACS Action Units. '
             'Render bakes the AU knobs and runs atw render on the input."',
             " tile_color 0x4c7f99ff", f" label {_tcl('[value status]')}",
             f" knobChanged {_tcl(KNOB_CHANGED)}"]
    user_knobs = knobs()
    lines += [_add_user_knob(k) for k in user_knobs]
    lines += [f" {k.name} {_tcl(k.default)}" for k in user_knobs
              if k.default not in (None, "") and k.type_id not in (TAB, BUTTON, LABEL)]
    lines.append("}")
    for item in INTERNALS:
        if isinstance(item, str):
            lines.append(item)
            continue
        name, cls, values = item
        lines.append(f" {cls} {{")
        lines += [f"  {key} {_tcl(value)}" for key, value in values.items()]
        lines += [f"  name {name}", " }"]
    lines.append("end_group")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # regenerate the committed gizmo: python -m atw_nuke.node
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        f"{GIZMO}.gizmo")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(gizmo_text())
    print(f"wrote {path}")
