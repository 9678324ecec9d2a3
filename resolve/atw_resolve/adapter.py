"""The Resolve/Fusion host adapter: a timeline clip's Fusion comp and its ATW control tool.

Frames are the comp's render range (Fusion's frame numbers, which the Saver writes and the
Loader reads, so the sequence on disk and the comp agree).
"""
from __future__ import annotations

import os

from atw_ofx.facs import AU_NAMES
from atw_ofx.filters import FILTERS

from .setting import FILTER_INPUT, TOOL

SOURCE_SAVER, RESULT_LOADER = "ATW_Source", "ATW_Result"


def first_tool(comp, tool_id: str):
    """The comp's first tool of a type (``MediaIn``, ``MediaOut``), or None."""
    tools = comp.GetToolList(False, tool_id) or {}
    return next(iter(tools.values()), None)


class ResolveAdapter:
    """:class:`host_adapters.HostAdapter` for the ATW control tool of one Fusion comp."""

    name = "resolve"
    capabilities = frozenset({"media_pool"})

    def __init__(self, comp, *, media_pool=None):
        self.comp = comp
        self.tool = comp.FindTool(TOOL)
        self.media_pool = media_pool

    # -- the contract -------------------------------------------------------------------------
    def frame_range(self) -> tuple[int, int]:
        attrs = self.comp.GetAttrs()
        return int(attrs["COMPN_RenderStart"]), int(attrs["COMPN_RenderEnd"])

    def bake_aus(self, first: int, last: int) -> dict[int, dict[str, float]]:
        """Every AU slider at every frame (``GetInput(name, frame)``: keyframes evaluated by
        Fusion) × the intensity slider."""
        samples = {}
        for frame in range(first, last + 1):
            gain = float(self.tool.GetInput("Intensity", frame))
            samples[frame] = {au: float(self.tool.GetInput(au, frame)) * gain for au in AU_NAMES}
        return samples

    def filter(self) -> str:
        """The warp filter the tool's menu names (its value is an index into FILTERS)."""
        return FILTERS[int(self.tool.GetInput(FILTER_INPUT))]

    def export_source(self, first: int, last: int, directory: str) -> str:
        """Render the clip (MediaIn) to scene-linear EXR through a Saver."""
        folder = os.path.join(directory, "source")
        os.makedirs(folder, exist_ok=True)
        saver = self.comp.FindTool(SOURCE_SAVER) or self.comp.AddTool("Saver", 0, 2)
        saver.SetAttrs({"TOOLS_Name": SOURCE_SAVER})
        # Fusion numbers frames where the name has digits: source.0000.exr → source.1001.exr.
        saver.SetInput("Clip", os.path.join(folder, "source.0000.exr"))
        saver.SetInput("OutputFormat", "OpenEXRFormat")
        saver.ConnectInput("Input", first_tool(self.comp, "MediaIn"))
        self.comp.Render({"Start": first, "End": last, "Tool": saver, "Wait": True})
        return os.path.join(folder, "source.####.exr")

    def import_result(self, pattern: str, first: int, last: int) -> None:
        """Load the rendered frames with a Loader feeding MediaOut."""
        loader = self.comp.FindTool(RESULT_LOADER) or self.comp.AddTool("Loader", 2, 2)
        loader.SetAttrs({"TOOLS_Name": RESULT_LOADER})
        loader.SetInput("Clip", pattern.replace("####", f"{first:04d}"))
        loader.SetInput("GlobalIn", first)
        loader.SetInput("GlobalOut", last)
        first_tool(self.comp, "MediaOut").ConnectInput("Input", loader)

    # -- optional ------------------------------------------------------------------------------
    def import_to_media_pool(self, pattern: str, first: int, last: int) -> None:
        from host_adapters import UnsupportedHostCall

        if self.media_pool is None:
            raise UnsupportedHostCall(self.name, "Media Pool import without a project")
        self.media_pool.ImportMedia([pattern.replace("####", f"{f:04d}")
                                     for f in range(first, last + 1)])
