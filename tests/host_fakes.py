"""Typed fakes of the Nuke and Resolve/Fusion APIs the adapters use (and nothing else).

Each fake implements only the calls our host code makes, with the host's names and semantics
(knob animation curves, ``getValueAt``, ``nuke.execute``, ``GetInput(name, frame)``,
``comp.Render``); a typo in the adapter is an ``AttributeError`` here, not a silent pass as with a
MagicMock. ``render_source`` callbacks stand in for the host's own image pipeline: they write
real EXR frames where the host's Write/Saver would.
"""
from __future__ import annotations

import re
import types
from bisect import bisect_right
from typing import Callable


def interpolate(keys: dict[float, float], frame: float) -> float:
    """Linear between keys, held before the first and after the last (a Nuke/Fusion curve)."""
    frames = sorted(keys)
    if frame <= frames[0]:
        return keys[frames[0]]
    if frame >= frames[-1]:
        return keys[frames[-1]]
    k = bisect_right(frames, frame) - 1
    f0, f1 = frames[k], frames[k + 1]
    return keys[f0] + (keys[f1] - keys[f0]) * (frame - f0) / (f1 - f0)


# -- Nuke ---------------------------------------------------------------------------------------
class FakeKnob:
    def __init__(self, name: str, value=None):
        self._name, self._value = name, value
        self.keys: dict[float, float] = {}
        self.executed = 0

    def name(self) -> str:
        return self._name

    def value(self):
        return self._value

    def setValue(self, value) -> bool:
        self._value = value
        return True

    def setValueAt(self, value: float, frame: float) -> bool:
        self.keys[frame] = value
        return True

    def isAnimated(self) -> bool:
        return bool(self.keys)

    def getValueAt(self, frame: float):
        if not self.keys:
            return self._value
        first = next(iter(self.keys.values()))
        if isinstance(first, (tuple, list)):  # an array knob (BBox, XY): each value animates
            return tuple(interpolate({f: v[i] for f, v in self.keys.items()}, frame)
                         for i in range(len(first)))
        return interpolate(self.keys, frame)

    def evaluate(self) -> str:
        return "" if self._value is None else str(self._value)

    def execute(self) -> None:
        self.executed += 1


class FakeNode:
    def __init__(self, cls: str, name: str, knobs: dict[str, object] | None = None,
                 children: list["FakeNode"] | None = None, size: tuple[int, int] = (256, 256)):
        self._class, self._name = cls, name
        self._knobs = {k: FakeKnob(k, v) for k, v in (knobs or {}).items()}
        self._children = {c.name(): c for c in children or []}
        self._inputs: dict[int, FakeNode] = {}
        self._width, self._height = size

    def __getitem__(self, knob: str) -> FakeKnob:
        return self._knobs[knob]

    def knobs(self) -> dict[str, FakeKnob]:
        return dict(self._knobs)

    def name(self) -> str:
        return self._name

    def Class(self) -> str:
        return self._class

    def node(self, name: str):
        return self._children.get(name)

    def nodes(self) -> list["FakeNode"]:
        return list(self._children.values())

    def setInput(self, index: int, node: "FakeNode") -> bool:
        self._inputs[index] = node
        return True

    def input(self, index: int):
        return self._inputs.get(index)

    def width(self) -> int:
        return self._width

    def height(self) -> int:
        return self._height


class FakeProgressTask:
    def __init__(self, title: str):
        self.title, self.progress, self.messages, self.cancel_after = title, 0, [], None

    def setProgress(self, value: int) -> None:
        self.progress = value

    def setMessage(self, text: str) -> None:
        self.messages.append(text)

    def isCancelled(self) -> bool:
        return self.cancel_after is not None and self.progress >= self.cancel_after


class FakeMenu:
    def __init__(self, name: str):
        self.name, self.menus, self.commands = name, {}, {}

    def addMenu(self, name: str) -> "FakeMenu":
        return self.menus.setdefault(name, FakeMenu(name))

    def addCommand(self, name: str, command: str) -> None:
        self.commands[name] = command


class FakeNodeFactory:
    """``nuke.nodes.<Class>(knob=value, ...)``: a node of that class with those knobs."""

    def __init__(self):
        self.created: list[FakeNode] = []

    def __getattr__(self, cls: str):
        if cls.startswith("_"):
            raise AttributeError(cls)

        def create(**knobs) -> FakeNode:
            self.created.append(FakeNode(cls, knobs.pop("name", f"{cls}1"), knobs))
            return self.created[-1]
        return create


class FakeNuke(types.ModuleType):
    """The ``nuke`` module: root, execute, allNodes, progress, messages, menus."""

    def __init__(self, *, gui: bool = True, render_source: Callable | None = None,
                 first: int = 1001, last: int = 1003, script: str = "Root"):
        super().__init__("nuke")
        self.GUI = gui
        self._root = FakeNode("Root", "Root", {"first_frame": first, "last_frame": last})
        self._script = script
        self.render_source = render_source
        self.executed: list[tuple[str, int, int]] = []
        self.messages: list[str] = []
        self.tasks: list[FakeProgressTask] = []
        self.saved = 0
        self.created: list[str] = []
        self._menus: dict[str, FakeMenu] = {}
        self.nodes_in_script: list[FakeNode] = []
        self.nodes = FakeNodeFactory()
        self.selected: FakeNode | None = None
        self.picked_file = ""

    def root(self) -> FakeNode:
        root = self._root
        root.name = lambda: self._script  # Root.name() is the script path in Nuke
        return root

    def execute(self, node: FakeNode, first: int, last: int) -> None:
        assert not node["disable"].value(), "nuke.execute of a disabled Write renders nothing"
        self.executed.append((node.name(), first, last))
        if self.render_source is not None:
            self.render_source(node["file"].value(), first, last)

    def ProgressTask(self, title: str) -> FakeProgressTask:
        self.tasks.append(FakeProgressTask(title))
        return self.tasks[-1]

    def message(self, text: str) -> None:
        self.messages.append(text)

    def allNodes(self, recurseGroups: bool = False) -> list[FakeNode]:
        return list(self.nodes_in_script)

    def scriptSave(self, path: str = "") -> bool:
        self.saved += 1
        return True

    def menu(self, name: str) -> FakeMenu:
        return self._menus.setdefault(name, FakeMenu(name))

    def createNode(self, cls: str) -> None:
        self.created.append(cls)

    def selectedNode(self) -> FakeNode:
        if self.selected is None:
            raise ValueError("no node selected")  # what Nuke raises
        return self.selected

    def getFilename(self, message: str, pattern: str = "") -> str:
        return self.picked_file


def atw_node(name: str = "ATW_AnimateFace1", size=(256, 256)) -> FakeNode:
    """An Animate Face node as the gizmo defines it: its user knobs and internal nodes."""
    from atw_nuke.node import INTERNAL_NODES, knobs

    values = {k.name: k.default for k in knobs()}
    children = []
    for child, cls, child_values in INTERNAL_NODES:
        extra = {"Read": {"first": 1, "last": 1, "origfirst": 1, "origlast": 1, "reload": None}}
        children.append(FakeNode(cls, child, {**child_values, **extra.get(cls, {})}))
    return FakeNode("ATW_AnimateFace", name, values, children, size)


# -- Resolve / Fusion ---------------------------------------------------------------------------
class FakeTool:
    def __init__(self, tool_id: str, name: str, inputs: dict[str, object] | None = None):
        self.id, self.name = tool_id, name
        self.values: dict[str, object] = dict(inputs or {})
        self.keys: dict[str, dict[float, float]] = {}
        self.connections: dict[str, "FakeTool"] = {}

    def GetInput(self, name: str, frame: float | None = None):
        if name in self.keys and frame is not None:
            return interpolate(self.keys[name], frame)
        return self.values[name]

    def SetInput(self, name: str, value, frame: float | None = None) -> None:
        if frame is None:
            self.values[name] = value
        else:
            self.keys.setdefault(name, {})[frame] = value

    def ConnectInput(self, name: str, tool: "FakeTool") -> bool:
        self.connections[name] = tool
        return True

    def SetAttrs(self, attrs: dict) -> None:
        self.name = attrs.get("TOOLS_Name", self.name)

    def GetAttrs(self) -> dict:
        return {"TOOLS_Name": self.name, "TOOLS_RegID": self.id}


class FakeComp:
    def __init__(self, *, first: int = 1001, last: int = 1003,
                 render_source: Callable | None = None):
        self.tools: list[FakeTool] = [FakeTool("MediaIn", "MediaIn1"),
                                      FakeTool("MediaOut", "MediaOut1")]
        self.first, self.last, self.render_source = first, last, render_source
        self.renders: list[dict] = []
        self.pasted: list[dict] = []
        self.locked = 0

    def FindTool(self, name: str):
        return next((t for t in self.tools if t.name == name), None)

    def AddTool(self, tool_id: str, x: int = 0, y: int = 0) -> FakeTool:
        count = sum(t.id == tool_id for t in self.tools) + 1
        self.tools.append(FakeTool(tool_id, f"{tool_id}{count}"))
        return self.tools[-1]

    def GetToolList(self, selected: bool, tool_id: str) -> dict[int, FakeTool]:
        return {i + 1: t for i, t in enumerate(t for t in self.tools if t.id == tool_id)}

    def Paste(self, settings: dict) -> bool:
        self.pasted.append(settings)
        self.tools.append(FakeTool(settings["type"], settings["name"], settings["inputs"]))
        return True

    def Render(self, options: dict) -> bool:
        self.renders.append(options)
        saver = options["Tool"]
        if self.render_source is not None:
            clip = saver.GetInput("Clip")
            pattern = re.sub(r"0000(\.\w+)$", r"####\1", clip)
            self.render_source(pattern, options["Start"], options["End"])
        return True

    def GetAttrs(self) -> dict:
        return {"COMPN_RenderStart": float(self.first), "COMPN_RenderEnd": float(self.last)}

    def Lock(self) -> None:
        self.locked += 1

    def Unlock(self) -> None:
        self.locked -= 1

    def StartUndo(self, name: str) -> None:
        pass

    def EndUndo(self, keep: bool) -> None:
        pass


class FakeBmd:
    """``bmd.readstring``: parses the one shape of .setting we paste (a tool with inputs)."""

    @staticmethod
    def readstring(text: str) -> dict:
        tool = re.search(r"Tools = ordered\(\) \{\s*(\w+) = (\w+) \{", text)
        inputs = dict(re.findall(r"(\w+) = Input \{ Value = ([-\d.]+), \}", text))
        return {"name": tool.group(1), "type": tool.group(2),
                "inputs": {k: float(v) for k, v in inputs.items()}, "text": text}


class FakeTimelineItem:
    def __init__(self, name: str, comps: list[FakeComp] | None = None,
                 new_comp: Callable[[], FakeComp] = FakeComp):
        self.name, self.comps, self.new_comp = name, list(comps or []), new_comp

    def GetName(self) -> str:
        return self.name

    def GetFusionCompCount(self) -> int:
        return len(self.comps)

    def GetFusionCompByIndex(self, index: int) -> FakeComp:
        return self.comps[index - 1]  # Resolve counts comps from 1

    def AddFusionComp(self) -> FakeComp:
        self.comps.append(self.new_comp())
        return self.comps[-1]


class FakeMediaPool:
    def __init__(self):
        self.imported: list[list[str]] = []

    def ImportMedia(self, paths: list[str]) -> list:
        self.imported.append(list(paths))
        return [object() for _ in paths]


class FakeTimeline:
    def __init__(self, item: FakeTimelineItem | None):
        self.item = item

    def GetCurrentVideoItem(self):
        return self.item


class FakeProject:
    def __init__(self, name: str, timeline: FakeTimeline | None):
        self.name, self.timeline, self.media_pool = name, timeline, FakeMediaPool()

    def GetName(self) -> str:
        return self.name

    def GetCurrentTimeline(self):
        return self.timeline

    def GetMediaPool(self) -> FakeMediaPool:
        return self.media_pool


class FakeProjectManager:
    def __init__(self, project: FakeProject | None):
        self.project = project

    def GetCurrentProject(self):
        return self.project


class FakeResolve:
    """``resolve`` → project manager → project → timeline → current video item."""

    def __init__(self, item: FakeTimelineItem | None, project_name: str = "Show"):
        self.project = FakeProject(project_name, FakeTimeline(item))

    def GetProjectManager(self) -> FakeProjectManager:
        return FakeProjectManager(self.project)
