"""A strict fake of the Resolve/Fusion object graph our Resolve code uses, with the hosts' names.

Strict where the real host would fail us:

- ``bmd.readstring`` runs the ``.setting`` text through a real Lua (``lupa``), so text Fusion's
  Lua would reject is rejected here;
- tools are only of the IDs we use, and each refuses inputs it does not have (the pasted control
  tool has the inputs its ``.setting`` declares);
- ``comp.Render`` takes the documented keys only, fails (returns False) for a Saver with nothing
  connected, and numbers frames as a Saver does (``source.0000.exr`` → ``source.1001.exr``);
- image connections are read as Fusion's API gives them: ``FindMainInput(1)`` →
  ``GetConnectedOutput()`` → ``GetTool()``.

``render_source`` callbacks stand in for the host's own image pipeline: they write real EXR frames
where the Saver would. Standard library (and lupa, for readstring) only: runs under 3.7+.
"""
from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional

from fake_nuke import interpolate

#: The inputs of each tool ID we create (Fusion's names), beyond the pasted control tool.
TOOL_INPUTS = {
    "MediaIn": {"Input"},
    "MediaOut": {"Input"},
    "Saver": {"Input", "Clip", "OutputFormat", "ProcessWhenBlendIs00"},
    "Loader": {"Clip", "GlobalIn", "GlobalOut", "ClipTimeStart", "ClipTimeEnd"},
    "Transform": {"Input", "Center", "Size", "Angle"},
    "ColorCorrector": {"Input"},  # an artist's grade in the comp
}
#: The keys Comp:Render documents (Fusion scripting guide).
RENDER_KEYS = {"Start", "End", "Tool", "Wait", "HiQ", "RenderAll", "MotionBlur", "SizeType",
               "ProxyScale", "PreCalc", "FrameRange", "Quiet"}


class FakeOutput:
    def __init__(self, tool: "FakeTool"):
        self.tool = tool

    def GetTool(self) -> "FakeTool":
        return self.tool


class FakeInput:
    def __init__(self, tool: "FakeTool", name: str):
        self.tool, self.name = tool, name

    def GetConnectedOutput(self) -> Optional[FakeOutput]:
        upstream = self.tool.connections.get(self.name)
        return FakeOutput(upstream) if upstream is not None else None


class FakeTool:
    def __init__(self, tool_id: str, name: str, inputs: Optional[Dict[str, object]] = None,
                 allowed: Optional[set] = None):
        allowed = allowed if allowed is not None else TOOL_INPUTS.get(tool_id)
        if allowed is None:
            raise ValueError(f"unknown tool ID {tool_id!r}")
        self.id, self.name, self.allowed = tool_id, name, set(allowed)
        self.values: Dict[str, object] = dict(inputs or {})
        self.keys: Dict[str, Dict[float, float]] = {}
        self.connections: Dict[str, FakeTool] = {}
        self.history: Dict[str, List[object]] = {}

    def _check(self, name: str) -> None:
        if name not in self.allowed:
            raise KeyError(f"{self.name} ({self.id}) has no input {name!r}")

    def GetInput(self, name: str, frame: Optional[float] = None):
        self._check(name)
        if name in self.keys and frame is not None:
            return interpolate(self.keys[name], frame)
        return self.values.get(name)

    def SetInput(self, name: str, value, frame: Optional[float] = None) -> None:
        self._check(name)
        if frame is None:
            self.values[name] = value
            self.history.setdefault(name, []).append(value)
        else:
            self.keys.setdefault(name, {})[frame] = value

    def ConnectInput(self, name: str, tool: Optional["FakeTool"]) -> bool:
        self._check(name)
        if tool is None:
            self.connections.pop(name, None)
        else:
            self.connections[name] = tool
        return True

    def FindMainInput(self, index: int) -> Optional[FakeInput]:
        return FakeInput(self, "Input") if index == 1 and "Input" in self.allowed else None

    def SetAttrs(self, attrs: dict) -> None:
        self.name = attrs.get("TOOLS_Name", self.name)

    def GetAttrs(self) -> dict:
        return {"TOOLS_Name": self.name, "TOOLS_RegID": self.id}


class FakeComp:
    """A clip's Fusion comp: MediaIn1 → MediaOut1, as Resolve makes it."""

    def __init__(self, *, first: int = 1001, last: int = 1003, name: str = "Composition 1",
                 render_source: Optional[Callable] = None):
        media_in, media_out = FakeTool("MediaIn", "MediaIn1"), FakeTool("MediaOut", "MediaOut1")
        media_out.ConnectInput("Input", media_in)
        self.tools: List[FakeTool] = [media_in, media_out]
        self.first, self.last, self.name, self.render_source = first, last, name, render_source
        self.CurrentTime = float(first)  # the comp's current frame (an attribute in Fusion)
        self.renders: List[dict] = []
        self.pasted: List[dict] = []
        self.locked = 0

    def FindTool(self, name: str) -> Optional[FakeTool]:
        return next((t for t in self.tools if t.name == name), None)

    def AddTool(self, tool_id: str, x: int = 0, y: int = 0) -> FakeTool:
        count = sum(t.id == tool_id for t in self.tools) + 1
        self.tools.append(FakeTool(tool_id, f"{tool_id}{count}"))
        return self.tools[-1]

    def GetToolList(self, selected: bool, tool_id: str) -> Dict[int, FakeTool]:
        return {i + 1: t for i, t in enumerate(t for t in self.tools if t.id == tool_id)}

    def Paste(self, settings: dict) -> bool:
        """Add the tools of a readstring'd ``.setting``, with the inputs it declares."""
        self.pasted.append(settings)
        for name, tool in settings["Tools"].items():
            inputs = {k: v.get("Value") for k, v in tool.get("Inputs", {}).items()}
            allowed = TOOL_INPUTS.get(tool["__ctor"], set()) | set(inputs) | \
                set(tool.get("UserControls", {}))
            self.tools.append(FakeTool(tool["__ctor"], name, inputs, allowed))
        return True

    def Render(self, options: dict) -> bool:
        unknown = set(options) - RENDER_KEYS
        if unknown:
            raise TypeError(f"Comp:Render has no option {sorted(unknown)}")
        saver = options.get("Tool")
        if saver is not None and saver not in self.tools:
            return False
        if saver is not None and "Input" not in saver.connections:
            return False  # a Saver with no image fails its render
        self.renders.append(options)
        if self.render_source is not None and saver is not None:
            clip = saver.GetInput("Clip")
            pattern = re.sub(r"0000(\.\w+)$", r"####\1", clip)
            self.render_source(pattern, options["Start"], options["End"])
        return True

    def GetAttrs(self) -> dict:
        return {"COMPN_RenderStart": float(self.first), "COMPN_RenderEnd": float(self.last),
                "COMPS_Name": self.name}

    def Lock(self) -> None:
        self.locked += 1

    def Unlock(self) -> None:
        self.locked -= 1

    def StartUndo(self, name: str) -> None:
        pass

    def EndUndo(self, keep: bool) -> None:
        pass


#: Lua that gives a ``.setting`` its constructors: ``ordered()`` and every ``Class { ... }``
#: return the table, tagged with the class it was built by.
SETTING_LUA = """
local function class(name) return function(t) t.__ctor = name; return t end end
ordered = function() return function(t) return t end end
setmetatable(_G, {__index = function(_, key) return class(key) end})
"""


def _python(value):
    """A Lua table → dict (tables with only 1..n keys → list), recursively."""
    if hasattr(value, "items"):
        items = {k: _python(v) for k, v in value.items()}
        if items and all(isinstance(k, int) for k in items):
            return [items[k] for k in sorted(items)]
        return items
    return value


class FakeBmd:
    """``bmd.readstring``: the text evaluated by a real Lua, as Fusion reads a .setting."""

    @staticmethod
    def readstring(text: str) -> dict:
        import lupa  # a test that pastes needs it; pytest.importorskip names it when absent

        lua = lupa.LuaRuntime(unpack_returned_tuples=True)
        lua.execute(SETTING_LUA)
        return _python(lua.execute("return " + text))


class FakeTimelineItem:
    def __init__(self, name: str, comps: Optional[List[FakeComp]] = None,
                 new_comp: Callable[[], FakeComp] = FakeComp, unique_id: str = "0a1b2c"):
        self.name, self.comps, self.new_comp = name, list(comps or []), new_comp
        self.unique_id = unique_id

    def GetName(self) -> str:
        return self.name

    def GetUniqueId(self) -> str:
        return self.unique_id

    def GetFusionCompCount(self) -> int:
        return len(self.comps)

    def GetFusionCompByIndex(self, index: int) -> FakeComp:
        return self.comps[index - 1]  # Resolve counts comps from 1

    def AddFusionComp(self) -> FakeComp:
        self.comps.append(self.new_comp())
        return self.comps[-1]


class FakeMediaPool:
    def __init__(self):
        self.imported: List[List[str]] = []

    def ImportMedia(self, paths: List[str]) -> list:
        self.imported.append(list(paths))
        return [object() for _ in paths]


class FakeTimeline:
    def __init__(self, item: Optional[FakeTimelineItem], name: str = "Edit v1"):
        self.item, self.name = item, name

    def GetName(self) -> str:
        return self.name

    def GetCurrentVideoItem(self):
        return self.item


class FakeProject:
    """A project: its settings as ``GetSetting`` gives them (strings)."""

    def __init__(self, name: str, timeline: Optional[FakeTimeline],
                 settings: Optional[Dict[str, str]] = None):
        self.name, self.timeline, self.media_pool = name, timeline, FakeMediaPool()
        self.settings = {"colorScienceMode": "davinciYRGBColorManagedv2",
                         "colorSpaceTimeline": "Rec.709 Gamma 2.4", **(settings or {})}

    def GetName(self) -> str:
        return self.name

    def GetSetting(self, name: str = "") -> str:
        return self.settings.get(name, "")  # an unknown key: a trivial result, as documented

    def GetCurrentTimeline(self):
        return self.timeline

    def GetMediaPool(self) -> FakeMediaPool:
        return self.media_pool


class FakeProjectManager:
    def __init__(self, project: Optional[FakeProject]):
        self.project = project

    def GetCurrentProject(self):
        return self.project


class FakeResolve:
    """``resolve`` → project manager → project → timeline → current video item."""

    def __init__(self, item: Optional[FakeTimelineItem], project_name: str = "Show",
                 settings: Optional[Dict[str, str]] = None):
        self.project = FakeProject(project_name, FakeTimeline(item), settings)

    def GetProjectManager(self) -> FakeProjectManager:
        return FakeProjectManager(self.project)
