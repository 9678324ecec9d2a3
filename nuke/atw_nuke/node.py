"""The Animate Face node, described in Python and written out as a Nuke gizmo.

The description (:func:`knobs`, :data:`INTERNAL_NODES`) is the single source: the gizmo file
``nuke/ATW_AnimateFace.gizmo`` is generated from it (``python -m atw_nuke.node``) and a test
checks the committed file against the generator, so the knobs a compositor sees are testable as
text. Knob type ids are Nuke's ``addUserKnob`` ids.

Internals: ``Input1`` → ``ATW_Source`` (a disabled Write: the Render button enables it just for
its own ``nuke.execute``, so a script's "Render all" never runs it) → ``ATW_Switch`` input 0;
``ATW_Result`` (a Read of the rendered frames) → ``ATW_Switch`` input 1 → ``Output1``. Before the
first render the switch passes the input through.
"""
from __future__ import annotations

from dataclasses import dataclass

from atw_ofx.facs import AU_FACS_NAMES, AU_NAMES, AU_RANGE
from atw_ofx.filters import DEFAULT_FILTER, FILTERS

GIZMO = "ATW_AnimateFace"
NUKE_VERSION = "13.0 v1"  # the oldest Nuke whose gizmo syntax this targets

# addUserKnob type ids
TAB, TEXT, FILE, INT, PULLDOWN, CHECKBOX, FLOAT, BOX, BUTTON, LABEL = 20, 1, 2, 3, 4, 6, 7, 15, 22, 26

RENDER_SCRIPT = "import atw_nuke.actions\natw_nuke.actions.render_button(nuke.thisNode())"


@dataclass(frozen=True)
class Knob:
    """One user knob: Nuke type id, script name, label, default and type-specific data."""

    type_id: int
    name: str
    label: str = ""
    default: object = None
    tooltip: str = ""
    items: tuple[str, ...] = ()  # pulldown entries
    range: tuple[float, float] | None = None  # slider range
    script: str = ""  # button code
    new_line: bool = True  # False: on the same row as the previous knob


def knobs() -> list[Knob]:
    """The node's knobs, in panel order."""
    aus = [Knob(FLOAT, name, f"{name} {AU_FACS_NAMES[name]}", 0.0, range=AU_RANGE,
                tooltip=f"FACS {name} ({AU_FACS_NAMES[name]}) intensity, 0-5; keyframe it")
           for name in AU_NAMES]
    return [
        Knob(TAB, "atw", "ATW"),
        *aus,
        Knob(FLOAT, "intensity", "intensity", 1.0, range=(0.0, 2.0),
             tooltip="scales every AU (the result is clamped to 0-5)"),
        Knob(LABEL, "settings_divider", "", ""),
        Knob(FILE, "model", "model", "rig",
             tooltip="'rig' (the built-in landmark rig) or a model bundle folder"),
        Knob(PULLDOWN, "reswarp", "ResWarp", "vanilla", items=("vanilla", "multiscale")),
        Knob(PULLDOWN, "formulation", "formulation", "delta", items=("delta", "paper"),
             new_line=False),
        Knob(PULLDOWN, "filter", "filter", DEFAULT_FILTER, items=FILTERS, new_line=False,
             tooltip="what the warp samples the plate with: bilinear softens grain where the "
                     "face moves by a fraction of a pixel; cubic (Keys) and lanczos (Lanczos-3) "
                     "keep it, held near the range of the 2x2 pixels around each sample "
                     "(no ringing)"),
        Knob(PULLDOWN, "au_mode", "AU mode", "relative", items=("relative", "absolute"),
             tooltip="relative: AUs are edits of the face as it is (all 0 = unchanged); "
                     "absolute: the target expression (a learned model's paper semantics)"),
        Knob(CHECKBOX, "use_face_box", "use face box", False,
             tooltip="crop this box instead of detecting and tracking the face"),
        Knob(BOX, "face_box", "face box", (0.0, 0.0, 512.0, 512.0),
             tooltip="x, y, r, t in pixels of the input (Nuke's origin, bottom-left); key it or "
                     "link it to a Tracker to follow the face by hand, otherwise ATW detects "
                     "the face and follows it"),
        Knob(CHECKBOX, "aov_motion", "motion AOV", False),
        Knob(CHECKBOX, "aov_stmap", "STMap AOV", False, new_line=False),
        Knob(CHECKBOX, "aov_matte", "matte AOV", False, new_line=False),
        Knob(CHECKBOX, "use_script_range", "use script frame range", True),
        Knob(INT, "first_frame", "first", 1001),
        Knob(INT, "last_frame", "last", 1100, new_line=False),
        Knob(FILE, "work_dir", "work folder", "",
             tooltip="where the source, the curves and the result go "
                     "(default: atw/<node name> beside the script)"),
        Knob(FILE, "atw_python", "ATW Python", "",
             tooltip="the Python of the environment ATW is installed in "
                     "(default: $ATW_PYTHON, else `atw` on PATH)"),
        Knob(BUTTON, "render", "Render", script=RENDER_SCRIPT,
             tooltip="bake the AU knobs, write the input, run atw render, read the result"),
    ]


#: The group's inside, in the order the gizmo lists it (name, class, knob values).
INTERNAL_NODES: tuple[tuple[str, str, dict], ...] = (
    ("Input1", "Input", {"inputs": 0}),
    ("ATW_Source", "Write", {"file": "", "file_type": "exr", "datatype": "32 bit float",
                             "channels": "all", "disable": True}),
    ("ATW_Result", "Read", {"inputs": 0, "file": "", "on_error": "black"}),
    ("ATW_Switch", "Switch", {"inputs": 2, "which": 0}),
    ("Output1", "Output", {}),
)


def _tcl(value) -> str:
    """A knob value as Nuke's script syntax writes it."""
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
             " tile_color 0x4c7f99ff"]
    user_knobs = knobs()
    lines += [_add_user_knob(k) for k in user_knobs]
    lines += [f" {k.name} {_tcl(k.default)}" for k in user_knobs
              if k.default not in (None, "") and k.type_id not in (TAB, BUTTON, LABEL)]
    lines.append("}")
    for name, cls, values in INTERNAL_NODES:
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
