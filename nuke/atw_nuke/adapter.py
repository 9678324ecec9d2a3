"""The Nuke host adapter: one Animate Face node, read and driven through Nuke's Python API.

Coordinates: Nuke's image origin is bottom-left, ATW's top-left; the face box is flipped with
the input's height here and nowhere else.
"""
from __future__ import annotations

import json
import os
import tempfile

from atw_ofx.facs import AU_NAMES


def _nuke():
    import nuke  # inside Nuke only; tests install a typed fake

    return nuke


class NukeAdapter:
    """:class:`host_adapters.HostAdapter` for an ``ATW_AnimateFace`` node."""

    name = "nuke"
    capabilities = frozenset({"progress", "cancel", "farm"})

    def __init__(self, node, nuke=None):
        self.node = node
        self.nuke = nuke or _nuke()

    # -- the contract -------------------------------------------------------------------------
    def frame_range(self) -> tuple[int, int]:
        if self.node["use_script_range"].value():
            root = self.nuke.root()
            return int(root["first_frame"].value()), int(root["last_frame"].value())
        return int(self.node["first_frame"].value()), int(self.node["last_frame"].value())

    def bake_aus(self, first: int, last: int) -> dict[int, dict[str, float]]:
        """Every AU knob at every frame (keys, expressions, links evaluated by Nuke) × intensity."""
        samples = {}
        for frame in range(first, last + 1):
            gain = float(self.node["intensity"].getValueAt(frame))
            samples[frame] = {au: float(self.node[au].getValueAt(frame)) * gain for au in AU_NAMES}
        return samples

    def export_source(self, first: int, last: int, directory: str) -> str:
        """Render the node's input to scene-linear EXR through the internal Write."""
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
        """Point the internal Read at the rendered frames and switch the output to it."""
        read = self.node.node("ATW_Result")
        read["file"].setValue(pattern)
        for knob, value in (("first", first), ("last", last), ("origfirst", first),
                            ("origlast", last)):
            read[knob].setValue(value)
        read["reload"].execute()
        switch = self.node.node("ATW_Switch")
        switch.setInput(0, self.node.node("ATW_Source"))
        switch.setInput(1, read)
        switch["which"].setValue(1)

    # -- the node's render settings --------------------------------------------------------------
    def face_box(self, frame: int | None = None) -> tuple[int, int, int] | None:
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
        path = os.path.join(directory, "face_boxes.json")
        boxes = {str(f): list(self.face_box(f)) for f in range(first, last + 1)}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(boxes, fh)
        return path

    def aovs(self) -> tuple[str, ...]:
        return tuple(a for a in ("motion", "stmap", "matte") if self.node[f"aov_{a}"].value())

    def work_directory(self) -> str:
        """The node's work folder (its knob, Tcl evaluated), else atw/<node> beside the script."""
        folder = self.node["work_dir"].evaluate() or ""
        if not folder:
            script = self.nuke.root().name()
            base = os.path.dirname(script) if script and script != "Root" else tempfile.gettempdir()
            folder = os.path.join(base, "atw", self.node.name())
        os.makedirs(folder, exist_ok=True)
        return folder

    def settings(self) -> dict:
        """Keyword arguments of :class:`host_adapters.render_job.RenderJob` from the knobs."""
        from host_adapters.render_job import atw_command

        return {"model": self.node["model"].value() or "rig",
                "reswarp": self.node["reswarp"].value(),
                "formulation": self.node["formulation"].value(),
                "filter": self.node["filter"].value(),
                "au_mode": self.node["au_mode"].value(),
                "face_box": self.face_box(), "aovs": self.aovs(),
                "command": atw_command(self.node["atw_python"].value() or None)}
