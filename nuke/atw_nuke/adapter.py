"""The Nuke host adapter: one Animate Face node, read and driven through Nuke's Python API.

Coordinates: Nuke's image origin is bottom-left, ATW's top-left; the face box is flipped with
the input's height here and nowhere else.
"""
from __future__ import annotations

import json
import os
import tempfile

from atw_ofx.atomic import write_text
from atw_ofx.facs import HOST_CONTROLS
from atw_ofx.options import DEFAULT_MODEL, DEFAULT_PLATE_SPACE
from host_adapters.contract import AdapterError

#: Nuke's own (non-OCIO) working space, as the core's OCIO config names it.
NUKE_LINEAR = DEFAULT_PLATE_SPACE


def _nuke():
    import nuke  # inside Nuke only; tests install a typed fake

    return nuke


def printf_pattern(pattern: str) -> str:
    """``atw.####.exr`` → ``atw.%04d.exr``: Nuke reads either; the node's Switch fills the
    ``%04d`` with Tcl's ``format`` to see whether a frame exists."""
    return pattern.replace("####", "%04d")


class NukeAdapter:
    """:class:`host_adapters.HostAdapter` for an ``ATW_AnimateFace`` node."""

    name = "nuke"
    capabilities = frozenset({"progress", "cancel", "farm"})

    def __init__(self, node, nuke=None):
        self.node = node
        self.nuke = nuke or _nuke()

    # -- the contract -------------------------------------------------------------------------
    def frame_range(self) -> tuple:
        """The frames to render: the input's (default), the script's, or the node's knobs."""
        source = self.node["frame_range"].value()
        if source == "input":
            upstream = self.node.input(0)
            if upstream is None:
                raise AdapterError(f"{self.node.name()} has no input: connect the plate")
            return int(upstream.firstFrame()), int(upstream.lastFrame())
        if source == "script":
            root = self.nuke.root()
            return int(root["first_frame"].value()), int(root["last_frame"].value())
        return int(self.node["first_frame"].value()), int(self.node["last_frame"].value())

    def bake_aus(self, first: int, last: int) -> dict:
        """Every AU knob at every frame, both sides', one side's and the named expressions'
        weights (keys, expressions, links evaluated by Nuke) × intensity."""
        samples = {}
        for frame in range(first, last + 1):
            gain = float(self.node["intensity"].getValueAt(frame))
            samples[frame] = {au: float(self.node[au].getValueAt(frame)) * gain
                              for au in HOST_CONTROLS}
        return samples

    def export_source(self, first: int, last: int, directory: str) -> str:
        """Render the node's input to EXR through the internal Write (raw: the script's working
        space, which :meth:`colourspace` names)."""
        pattern = os.path.join(directory, "source", "source.####.exr")
        os.makedirs(os.path.dirname(pattern), exist_ok=True)
        write = self.node.node("ATW_Source")
        write["file"].setValue(pattern)
        write["disable"].setValue(False)
        try:
            self.nuke.execute(write, first, last)
        finally:
            write["disable"].setValue(True)  # never part of the script's own "Render all"
        return pattern

    def import_result(self, pattern: str, first: int, last: int) -> None:
        """Record the result on the node's own knobs (saved with the script; the Read and Switch
        inside follow them by expression) and reload the Read.

        A render that touches the recorded range (a preview frame inside or next to it) widens
        it; any other replaces it.
        """
        pattern = printf_pattern(pattern)
        old_first, old_last = self.rendered_range()
        if (self.node["result_file"].value() == pattern and old_first <= old_last
                and first <= old_last + 1 and last >= old_first - 1):
            first, last = min(first, old_first), max(last, old_last)
        self.node["result_file"].setValue(pattern)
        self.node["result_first"].setValue(first)
        self.node["result_last"].setValue(last)
        self.set_status(f"rendered {first}-{last}")
        read = self.node.node("ATW_Result")
        if read is not None:  # the live node: drop the frames Nuke cached of an older render
            read["reload"].execute()

    # -- the node's state ----------------------------------------------------------------------
    def rendered_range(self) -> tuple:
        """``(first, last)`` recorded on the node; first > last when nothing is rendered."""
        return int(self.node["result_first"].value()), int(self.node["result_last"].value())

    def set_status(self, text: str) -> None:
        """The status knob, shown on the node as its label."""
        self.node["status"].setValue(text)

    def mark_stale(self, knob_name: str) -> bool:
        """After ``knob_name`` changed: mark a rendered result stale (True when it was fresh)."""
        from .node import NOT_RENDER_KNOBS

        first, last = self.rendered_range()
        status = self.node["status"].value()
        if knob_name in NOT_RENDER_KNOBS or first > last or status.startswith("stale"):
            return False
        self.set_status(f"stale ({knob_name} changed): {status}")
        return True

    # -- the node's render settings --------------------------------------------------------------
    def face_box(self, frame: int | None = None) -> tuple | None:
        """``(x, y, size)`` in ATW's top-left pixels (at ``frame``, else the knob's value), or
        None to detect and track the face."""
        if not self.node["use_face_box"].value():
            return None
        knob = self.node["face_box"]
        values = knob.getValueAt(frame) if frame is not None else knob.value()
        x, y, r, t = (float(v) for v in values)
        height = int(self.node.height())  # the input's format: flip y to a top-left origin
        size = int(round(max(r - x, t - y)))
        return int(round(x)), int(round(height - t)), size

    def face_boxes(self, first: int, last: int, directory: str) -> str | None:
        """An animated box (keyed, or linked to a Tracker) baked per frame to a JSON file for
        ``--face-boxes``; None when the box is off or still."""
        if not self.node["use_face_box"].value() or not self.node["face_box"].isAnimated():
            return None
        boxes = {str(f): list(self.face_box(f)) for f in range(first, last + 1)}
        return str(write_text(os.path.join(directory, "face_boxes.json"), json.dumps(boxes)))

    def aovs(self) -> tuple:
        return tuple(a for a in ("motion", "stmap", "matte") if self.node[f"aov_{a}"].value())

    def colourspace(self) -> tuple:
        """``(name, environment)``: the script's working space as ``--colorspace`` names it, and
        the OCIO config the core must read it from.

        Nuke's own colour management works in linear light with sRGB primaries, which is the
        core's default plate space; under OCIO the working space is a name in the script's
        config, so a custom config's path is passed as ``$OCIO`` (Nuke's shipped configs are
        named, not pathed: the core then reads ``$OCIO`` from the environment Nuke was given).
        """
        root = self.nuke.root()
        knobs = root.knobs()
        if "colorManagement" not in knobs or root["colorManagement"].value() != "OCIO":
            return NUKE_LINEAR, {}
        environment = {}
        if root["OCIO_config"].value() == "custom":
            environment["OCIO"] = root["customOCIOConfigPath"].evaluate()
        return root["workingSpaceLUT"].value(), environment

    def work_directory(self) -> str:
        """The node's work folder: its knob (Tcl evaluated), else
        ``atw/<script name>/<node name>`` beside the script, so v001 and v002 of a script and two
        nodes in one script never share files."""
        folder = self.node["work_dir"].evaluate() or ""
        if not folder:
            script = self.nuke.root().name()
            if script and script != "Root":
                base = os.path.join(os.path.dirname(script), "atw",
                                    os.path.splitext(os.path.basename(script))[0])
            else:  # an unsaved script
                base = os.path.join(tempfile.gettempdir(), "atw", "untitled")
            folder = os.path.join(base, self.node.fullName())
        os.makedirs(folder, exist_ok=True)
        return folder

    def render_settings(self, first: int, last: int, folder: str) -> dict:
        """Keyword arguments of :class:`host_adapters.render_job.RenderJob` from the knobs."""
        from host_adapters.render_job import atw_command

        colorspace, environment = self.colourspace()
        return {"model": self.node["model"].value() or DEFAULT_MODEL,
                "reswarp": self.node["reswarp"].value(),
                "formulation": self.node["formulation"].value(),
                "filter": self.node["filter"].value(),
                "au_mode": self.node["au_mode"].value(),
                "glasses": self.node["glasses"].value(),
                "face_index": int(self.node["face_index"].value()),
                "face_box": self.face_box(), "face_boxes": self.face_boxes(first, last, folder),
                "colorspace": colorspace, "environment": environment, "aovs": self.aovs(),
                "command": atw_command(self.node["atw_python"].value() or None)}
