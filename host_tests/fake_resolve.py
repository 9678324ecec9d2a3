"""A strict fake of the Resolve/Fusion object graph our Resolve code uses, with the hosts' names.

Strict where the real host would fail us:

- ``bmd.readstring`` runs the ``.setting`` text through a real Lua (``lupa``), so text Fusion's
  Lua would reject is rejected here;
- tools are only of the IDs we use, and each refuses inputs it does not have (the pasted control
  tool has the inputs its ``.setting`` declares);
- ``comp.Render`` takes the documented keys only, fails (returns False) for a Saver with nothing
  connected, and numbers frames as a Saver does (``source.0000.exr`` → ``source.1001.exr``);
- image connections are read as Fusion's API gives them: ``FindMainInput(1)`` →
  ``GetConnectedOutput()`` → ``GetTool()``;
- the UIManager (``fusion.UIManager``, ``bmd.UIDispatcher``) makes only the elements we use,
  each with its documented properties, takes handlers only for an element's own events
  (``window.On.<ID>.Clicked``/``Close``, ``dispatcher.On.<timer ID>.Timeout``), and its
  ``RunLoop`` really loops — firing started timers at their interval, in real time, and the
  test's scripted user between them — until a handler calls ``ExitLoop``.

``render_source`` callbacks stand in for the host's own image pipeline: they write real EXR frames
where the Saver would. Standard library (and lupa, for readstring) only: runs under 3.7+.
"""
from __future__ import annotations

import re
import time
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
    """``bmd.readstring``: the text evaluated by a real Lua, as Fusion reads a .setting;
    ``bmd.UIDispatcher``."""

    @staticmethod
    def UIDispatcher(ui: "FakeUIManager") -> "FakeUIDispatcher":
        return FakeUIDispatcher(ui)

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
                 settings: Optional[Dict[str, str]] = None, ui: Optional["FakeUIManager"] = None):
        self.project = FakeProject(project_name, FakeTimeline(item), settings)
        self.ui = ui

    def Fusion(self) -> "FakeFusion":
        return FakeFusion(self.ui)

    def GetProjectManager(self) -> FakeProjectManager:
        return FakeProjectManager(self.project)


#: The UIManager elements we use, with the properties each takes, and the events each sends.
UI_PROPERTIES = {"Label": {"ID", "Text", "Alignment", "WordWrap"},
                 "Button": {"ID", "Text", "Enabled"},
                 "Timer": {"ID", "Interval", "SingleShot"},
                 "Window": {"ID", "WindowTitle", "Geometry", "TargetID"},
                 "Group": set()}  # VGroup, HGroup
UI_EVENTS = {"Button": {"Clicked"}, "Window": {"Close"}, "Timer": {"Timeout"}}


class FakeUIElement:
    """A UIManager element; a Label records every ``Text`` it is given."""

    def __init__(self, kind: str, properties: dict, children: Optional[list] = None):
        unknown = set(properties) - UI_PROPERTIES.get(kind, set())
        if unknown:
            raise TypeError(f"ui.{kind} has no property {sorted(unknown)}")
        self.__dict__.update(kind=kind, ID=properties.get("ID"), children=list(children or []),
                             texts=[], active=False, due=0.0,
                             interval=properties.get("Interval", 0))
        if "Text" in properties:
            self.Text = properties["Text"]

    def __setattr__(self, name: str, value) -> None:
        if name not in UI_PROPERTIES[self.kind]:
            raise AttributeError(f"ui.{self.kind} has no property {name!r}")
        if name == "Text":
            self.texts.append(value)
        self.__dict__[name] = value

    # A timer's methods.
    def Start(self) -> None:
        self._timer_only()
        self.__dict__.update(active=True, due=time.monotonic() + self.interval / 1000.0)

    def Stop(self) -> None:
        self._timer_only()
        self.__dict__["active"] = False

    def GetIsActive(self) -> bool:
        self._timer_only()
        return self.active

    def _timer_only(self) -> None:
        if self.kind != "Timer":
            raise AttributeError(f"ui.{self.kind} is not a timer")

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class FakeEvents:
    """An ``On`` table: ``On.<ID>.<Event> = handler`` for the elements it knows, their events
    only."""

    def __init__(self, elements: Callable[[], Dict[str, str]]):
        self.__dict__.update(elements=elements, handlers={})

    def __getattr__(self, element_id: str) -> "FakeHandlers":
        kind = self.elements().get(element_id)
        if kind is None:
            raise AttributeError(f"On has no element {element_id!r}")
        return FakeHandlers(self.handlers, element_id, kind)

    def fire(self, element_id: str, event: str) -> None:
        handler = self.handlers.get((element_id, event))
        if handler is not None:
            handler({"who": element_id, "what": event})


class FakeHandlers:
    def __init__(self, handlers: dict, element_id: str, kind: str):
        self.__dict__.update(handlers=handlers, element_id=element_id, kind=kind)

    def __setattr__(self, event: str, handler) -> None:
        if event not in UI_EVENTS.get(self.kind, set()):
            raise AttributeError(f"a {self.kind} sends no {event!r} event")
        self.handlers[(self.element_id, event)] = handler


class FakeWindow:
    def __init__(self, properties: dict, root: FakeUIElement):
        self.frame = FakeUIElement("Window", properties)
        self.items = {e.ID: e for e in root.walk() if e.ID}
        kinds = {element_id: e.kind for element_id, e in self.items.items()}
        self.On = FakeEvents(lambda: {**kinds, self.frame.ID: "Window"})
        self.shown = False

    def GetItems(self) -> Dict[str, FakeUIElement]:
        return dict(self.items)

    def Show(self) -> None:
        self.shown = True

    def Hide(self) -> None:
        self.shown = False


class FakeUIManager:
    """``fusion.UIManager``: makes elements; ``user(dispatcher)`` is the test's artist, called
    between the event loop's timer events (it may :meth:`FakeUIDispatcher.click`)."""

    def __init__(self, user: Optional[Callable[["FakeUIDispatcher"], None]] = None):
        self.user, self.timers, self.dispatchers = user, [], []

    def Label(self, properties: dict) -> FakeUIElement:
        return FakeUIElement("Label", properties)

    def Button(self, properties: dict) -> FakeUIElement:
        return FakeUIElement("Button", properties)

    def Timer(self, properties: dict) -> FakeUIElement:
        self.timers.append(FakeUIElement("Timer", properties))
        return self.timers[-1]

    def VGroup(self, *arguments) -> FakeUIElement:
        return self._group(arguments)

    def HGroup(self, *arguments) -> FakeUIElement:
        return self._group(arguments)

    @staticmethod
    def _group(arguments: tuple) -> FakeUIElement:
        """A layout: ``([children])`` or ``({properties}, [children])``."""
        children = arguments[-1] if arguments else []
        return FakeUIElement("Group", {}, children if isinstance(children, list) else [children])


class FakeUIDispatcher:
    """``bmd.UIDispatcher(ui)``: windows, the timers' ``On`` table and the event loop."""

    #: A RunLoop nobody ends is a hung Resolve: the test fails instead, after this long.
    LOOP_LIMIT_S = 120.0

    def __init__(self, ui: FakeUIManager):
        self.ui, self.windows, self.running = ui, [], False
        self.On = FakeEvents(lambda: {t.ID: "Timer" for t in ui.timers})
        ui.dispatchers.append(self)

    def AddWindow(self, properties: dict, children) -> FakeWindow:
        root = children if isinstance(children, FakeUIElement) else \
            FakeUIManager._group((list(children),))
        self.windows.append(FakeWindow(properties, root))
        return self.windows[-1]

    def RunLoop(self) -> int:
        if not any(w.shown for w in self.windows):
            raise RuntimeError("RunLoop with no window shown: nothing could ever end it")
        self.running, self.exit_code = True, 0
        start = time.monotonic()
        while self.running:
            now = time.monotonic()
            if now - start > self.LOOP_LIMIT_S:
                raise AssertionError("the event loop was never ended (Resolve would hang)")
            for timer in [t for t in self.ui.timers if t.active and now >= t.due]:
                timer.__dict__["due"] = now + timer.interval / 1000.0
                self.On.fire(timer.ID, "Timeout")
            if self.running and self.ui.user is not None:
                self.ui.user(self)
            time.sleep(0.005)
        return self.exit_code

    def ExitLoop(self, code: int = 0) -> None:
        if not self.running:
            raise RuntimeError("ExitLoop outside RunLoop")
        self.running, self.exit_code = False, code

    # The artist's actions.
    def click(self, button_id: str) -> None:
        window = next(w for w in self.windows if w.shown and button_id in w.items)
        window.On.fire(button_id, "Clicked")

    def close(self) -> None:
        window = next(w for w in self.windows if w.shown)
        window.On.fire(window.frame.ID, "Close")


class FakeFusion:
    """``resolve.Fusion()``: its UIManager (None where the test offers none)."""

    def __init__(self, ui: Optional[FakeUIManager]):
        self.UIManager = ui
