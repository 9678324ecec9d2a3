"""The Resolve/Fusion host adapter: a timeline clip's Fusion comp and its ATW control tool.

Frames are the comp's render range (Fusion's frame numbers, which the Saver writes and the
Loader reads, so the sequence on disk and the comp agree). The artist's comp is kept: ATW takes
its input from the tool that fed MediaOut before ATW was added (their last node) and feeds its
result to MediaOut, so whatever they built upstream is in the plate ATW animates.
"""
from __future__ import annotations

import os
import re

from atw_ofx.facs import HOST_CONTROLS
from atw_ofx.options import DEFAULT_PLATE_SPACE
from host_adapters.contract import AdapterError

from .setting import INTEGERS, MENUS, TEXTS, TOOL

SOURCE_SAVER, RESULT_LOADER = "ATW_Source", "ATW_Result"
#: What the comp is taken as when the project says nothing: the core's default plate space.
DEFAULT_LINEAR = DEFAULT_PLATE_SPACE
#: Timeline gamut (a substring of Resolve's colour space name) → the linear space of that gamut
#: in the core's OCIO config: what the Fusion page works in under colour management.
MANAGED_LINEAR = (("ACES", "ACEScg"), ("2020", "Linear Rec.2020"), ("P3-D65", "Linear P3-D65"),
                  ("P3 D65", "Linear P3-D65"), ("709", DEFAULT_LINEAR),
                  ("sRGB", DEFAULT_LINEAR))
#: Timeline colour space → the core's name, without colour management: the Fusion page gets the
#: timeline's own encoding.
UNMANAGED = (("Gamma 2.4", "Gamma 2.4 Encoded Rec.709"),
             ("Gamma 2.2", "Gamma 2.2 Encoded Rec.709"),
             ("sRGB", "sRGB Encoded Rec.709 (sRGB)"), ("Linear", DEFAULT_LINEAR))


def first_tool(comp, tool_id: str):
    """The comp's first tool of a type (``MediaIn``, ``MediaOut``), or None."""
    tools = comp.GetToolList(False, tool_id) or {}
    return next(iter(tools.values()), None)


def upstream(tool):
    """The tool connected to ``tool``'s main image input, or None."""
    main = tool.FindMainInput(1) if tool is not None else None
    output = main.GetConnectedOutput() if main is not None else None
    return output.GetTool() if output is not None else None


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text or "untitled")


class ResolveAdapter:
    """:class:`host_adapters.HostAdapter` for the ATW control tool of one Fusion comp."""

    name = "resolve"
    capabilities = frozenset({"media_pool", "progress", "cancel"})

    def __init__(self, comp, *, project=None, item=None, python: str | None = None):
        self.comp, self.project, self.item, self.python = comp, project, item, python
        self.tool = comp.FindTool(TOOL)
        self.media_pool = project.GetMediaPool() if project is not None else None

    # -- the contract -------------------------------------------------------------------------
    def frame_range(self) -> tuple:
        attrs = self.comp.GetAttrs()
        return int(attrs["COMPN_RenderStart"]), int(attrs["COMPN_RenderEnd"])

    def bake_aus(self, first: int, last: int) -> dict:
        """Every AU slider at every frame, both sides', one side's and the named expressions'
        weights (``GetInput(name, frame)``: keyframes evaluated by Fusion) × the intensity
        slider."""
        samples = {}
        for frame in range(first, last + 1):
            gain = float(self.tool.GetInput("Intensity", frame))
            samples[frame] = {au: float(self.tool.GetInput(au, frame)) * gain
                              for au in HOST_CONTROLS}
        return samples

    def export_source(self, first: int, last: int, directory: str) -> str:
        """Render the artist's comp, up to ATW, to EXR through a Saver."""
        folder = os.path.join(directory, "source")
        os.makedirs(folder, exist_ok=True)
        saver = self.comp.FindTool(SOURCE_SAVER)
        plate = upstream(saver) if saver is not None else None
        if plate is None:  # first render: what feeds MediaOut is the artist's last node
            plate = upstream(first_tool(self.comp, "MediaOut"))
        if plate is None or plate.GetAttrs()["TOOLS_Name"] == RESULT_LOADER:
            raise AdapterError("nothing to animate: connect the clip (or your last node) to "
                               "MediaOut, then run Animate Face again")
        if saver is None:
            saver = self.comp.AddTool("Saver", 0, 2)
            saver.SetAttrs({"TOOLS_Name": SOURCE_SAVER})
        # Fusion numbers frames where the name has digits: source.0000.exr → source.1001.exr.
        saver.SetInput("Clip", os.path.join(folder, "source.0000.exr"))
        saver.SetInput("OutputFormat", "OpenEXRFormat")
        saver.ConnectInput("Input", plate)
        if not self.comp.Render({"Start": first, "End": last, "Tool": saver, "Wait": True}):
            raise AdapterError(f"Fusion could not render the clip to {folder}")
        return os.path.join(folder, "source.####.exr")

    def import_result(self, pattern: str, first: int, last: int) -> None:
        """Load the rendered frames with a Loader feeding MediaOut; a Loader that already shows
        an older render is pointed away and back so Fusion reads the new files."""
        loader = self.comp.FindTool(RESULT_LOADER)
        if loader is None:
            loader = self.comp.AddTool("Loader", 2, 2)
            loader.SetAttrs({"TOOLS_Name": RESULT_LOADER})
        else:
            loader.SetInput("Clip", "")  # drops Fusion's cached frames of the last render
        loader.SetInput("Clip", pattern.replace("####", f"{first:04d}"))
        loader.SetInput("GlobalIn", first)
        loader.SetInput("GlobalOut", last)
        first_tool(self.comp, "MediaOut").ConnectInput("Input", loader)

    # -- the render's settings ---------------------------------------------------------------------
    def setting(self, name: str):
        """A control's value: a menu's entry, a text, an integer."""
        value = self.tool.GetInput(name)
        if name in MENUS:
            return MENUS[name][1][int(value)]
        if name in INTEGERS:
            return int(value)
        return value if value is not None else TEXTS[name][1]

    def colourspace(self) -> str:
        """The colour space the comp's images are in, as the core's OCIO config names it: the
        control tool's, else from the project's colour management.

        Under Resolve or ACES colour management the Fusion page works in linear light in the
        timeline's gamut; without it, MediaIn delivers the timeline's own encoding.
        """
        chosen = self.setting("ColorSpace")
        if chosen:
            return chosen
        settings = self.project.GetSetting if self.project is not None else (lambda _: "")
        mode, timeline = settings("colorScienceMode"), settings("colorSpaceTimeline")
        if not mode and not timeline:  # a Resolve that names neither: the core's default
            print(f"ATW: the project names no colour science or timeline colour space; taking "
                  f"the comp as {DEFAULT_LINEAR} (set the {TOOL} tool's Colour space field "
                  "if it is not)")
            return DEFAULT_LINEAR
        managed = "managed" in mode.lower() or mode.lower().startswith("aces")
        table = MANAGED_LINEAR if managed else UNMANAGED
        if mode.lower().startswith("aces"):
            timeline = "ACES"
        found = next((name for key, name in table if key in timeline), None)
        if found is None:
            raise AdapterError(f"the timeline colour space {timeline!r} ({mode}) has no match "
                               "in ATW's OCIO config: name the comp's colour space in the "
                               f"{TOOL} tool's Colour space field")
        return found

    def work_directory(self) -> str:
        """``$ATW_WORK_DIR`` (default ~/atw_renders) / project / timeline / clip and its
        timeline item's id / comp: two uses of one clip, and two comp versions, never share."""
        base = os.environ.get("ATW_WORK_DIR") or os.path.join(os.path.expanduser("~"),
                                                               "atw_renders")
        project = self.project.GetName() if self.project is not None else ""
        timeline = self.project.GetCurrentTimeline() if self.project is not None else None
        clip = ""
        if self.item is not None:
            clip = self.item.GetName()
            if hasattr(self.item, "GetUniqueId"):  # Resolve 18.5+
                clip = f"{clip}_{self.item.GetUniqueId()}"
        folder = os.path.join(base, _safe(project), _safe(timeline.GetName() if timeline else ""),
                              _safe(clip), _safe(self.comp.GetAttrs().get("COMPS_Name", "")))
        os.makedirs(folder, exist_ok=True)
        return folder

    def render_settings(self, first: int, last: int, folder: str) -> dict:
        """Keyword arguments of :class:`host_adapters.render_job.RenderJob` from the controls.

        The result is written in the comp's own colour space (``--output-colorspace``), so the
        Loader hands MediaOut what MediaIn gave: linear under colour management, the timeline's
        encoding without it.
        """
        from host_adapters.render_job import atw_command

        space = self.colourspace()
        return {"model": self.setting("Model") or TEXTS["Model"][1],
                "reswarp": self.setting("ResWarp"), "formulation": self.setting("Formulation"),
                "filter": self.setting("Filter"), "au_mode": self.setting("AUMode"),
                "glasses": self.setting("Glasses"),
                "face_index": self.setting("FaceIndex"), "colorspace": space,
                "output_colorspace": space, "command": atw_command(self.python)}

    # -- optional ------------------------------------------------------------------------------
    def import_to_media_pool(self, pattern: str, first: int, last: int) -> None:
        from host_adapters import UnsupportedHostCall

        if self.media_pool is None:
            raise UnsupportedHostCall(self.name, "Media Pool import without a project")
        self.media_pool.ImportMedia([pattern.replace("####", f"{f:04d}")
                                     for f in range(first, last + 1)])
