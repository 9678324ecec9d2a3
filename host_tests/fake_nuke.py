"""A strict fake of the ``nuke`` module: what our Nuke code calls, with Nuke's semantics.

Strict where the real host would fail us:

- a gizmo is built from its ``.gizmo`` text as Nuke builds it: user knobs from ``addUserKnob``,
  the nodes inside created in script order with Nuke's *stack semantics* (a node takes its inputs
  from the top of the stack, the last pushed becoming input 0; ``set``/``push`` name and re-push);
- knob values inside are Tcl-substituted (``[value parent.x]``, ``[frame]``, ``[format ...]``,
  ``[file exists ...]``) and ``{{...}}`` expressions evaluated at a frame;
- :meth:`FakeNuke.save_script` keeps only what Nuke saves of a gizmo — its own knobs — and
  :meth:`FakeNuke.open_script` rebuilds the inside from the .gizmo, so state kept only on the
  nodes inside is lost, as it is in Nuke;
- unknown node classes (``nuke.nodes.Foo``) and knobs (``node["typo"]``) are refused;
- ``nuke.executeInMainThread`` queues the call until the test runs the main thread.

Standard library only: this runs under the Pythons Nuke embeds (3.7+).
"""
from __future__ import annotations

import os
import queue
import re
import types
from bisect import bisect_right
from typing import Callable, Dict, List, Optional

#: Knobs every node has.
COMMON_KNOBS = {"name", "inputs", "label", "disable", "xpos", "ypos", "selected",
                "tile_color", "help", "knobChanged", "note_font"}
#: The knobs of each node class our code creates or reads (Nuke's names).
CLASS_KNOBS = {
    "Root": {"first_frame", "last_frame", "colorManagement", "OCIO_config",
             "customOCIOConfigPath", "workingSpaceLUT", "fps", "format"},
    "Input": {"number"},
    "Output": set(),
    "Write": {"file", "file_type", "datatype", "channels", "raw", "colorspace",
              "compression", "create_directories"},
    "Read": {"file", "first", "last", "origfirst", "origlast", "origset", "on_error", "reload",
             "raw", "colorspace", "before", "after", "format"},
    "Switch": {"which"},
    "Inference": {"modelFile"},
    "Copy": {"from0", "to0", "from1", "to1"},
    "IDistort": {"uv", "uv_scale", "filter"},
    "Merge2": {"operation", "Achannels", "Bchannels", "output"},
    "Crop": {"box"},
    "Blur": {"size"},
}
#: Tcl backslash escapes a quoted word may hold.
ESCAPES = {"n": "\n", "t": "\t"}


# -- Tcl words --------------------------------------------------------------------------------
class Braced(str):
    """A ``{...}`` word: its text, unsubstituted."""


class Quoted(str):
    """A ``"..."`` word, backslash escapes resolved."""


def _escaped(text: str, start: int, end) -> tuple:
    """``(word, index)``: the characters from ``start`` until ``end(index)``, backslash escapes
    resolved."""
    out, j = [], start
    while not end(j):
        if text[j] == "\\":
            out.append(ESCAPES.get(text[j + 1], text[j + 1]))
            j += 2
        else:
            out.append(text[j])
            j += 1
    return "".join(out), j


def tcl_commands(text: str) -> List[List[str]]:
    """Split Tcl text into commands, each a list of words (``Braced``, ``Quoted`` or bare)."""
    commands, words, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c in "\n;":
            if words:
                commands.append(words)
                words = []
            i += 1
        elif c == "#" and not words:
            while i < n and text[i] != "\n":
                i += 1
        elif c == "{":
            depth, j = 1, i + 1
            while depth:
                if j >= n:
                    raise SyntaxError(f"unbalanced braces from: {text[i:i + 60]!r}")
                if text[j] == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            words.append(Braced(text[i + 1:j - 1]))
            i = j
        elif c == '"':
            word, i = _escaped(text, i + 1, lambda k: text[k] == '"')
            words.append(Quoted(word))
            i += 1  # the closing quote
        else:
            word, i = _escaped(text, i, lambda k: k >= n or text[k] in " \t\r\n;")
            words.append(word)
    if words:
        commands.append(words)
    return commands


def interpolate(keys: Dict[float, float], frame: float) -> float:
    """Linear between keys, held before the first and after the last (a Nuke/Fusion curve)."""
    frames = sorted(keys)
    if frame <= frames[0]:
        return keys[frames[0]]
    if frame >= frames[-1]:
        return keys[frames[-1]]
    k = bisect_right(frames, frame) - 1
    f0, f1 = frames[k], frames[k + 1]
    return keys[f0] + (keys[f1] - keys[f0]) * (frame - f0) / (f1 - f0)


# -- knobs and nodes ----------------------------------------------------------------------------
class FakeKnob:
    """A knob: a value, animation keys, or an expression, evaluated at a frame."""

    def __init__(self, node: "FakeNode", name: str, value=None, type_id: Optional[int] = None,
                 script: str = ""):
        self.node, self._name, self._value, self.type_id = node, name, value, type_id
        self.script = script  # a button's Python
        self.keys: Dict[float, object] = {}
        self.expression: Optional[str] = None
        self.executed = 0

    def name(self) -> str:
        return self._name

    def value(self):
        return self.getValueAt(self.node.nuke.frame())

    def getValueAt(self, frame: float):
        if self.expression is not None:
            return evaluate_expression(self.expression, self.node, frame)
        if not self.keys:
            return self._value
        first = next(iter(self.keys.values()))
        if isinstance(first, (tuple, list)):  # an array knob (BBox, XY): each value animates
            return tuple(interpolate({f: v[i] for f, v in self.keys.items()}, frame)
                         for i in range(len(first)))
        return interpolate(self.keys, frame)

    def setValue(self, value) -> bool:
        self._value, self.expression = value, None
        self.keys.clear()
        return True

    def setValueAt(self, value, frame: float) -> bool:
        self.keys[frame] = value
        return True

    def setExpression(self, expression: str) -> bool:
        self.expression = expression
        return True

    def isAnimated(self) -> bool:
        return bool(self.keys) or self.expression is not None

    def evaluate(self) -> str:
        """The value as a string with Tcl substituted (Nuke's ``Knob.evaluate``)."""
        raw = "" if self._value is None else str(self._value)
        return tcl_substitute(raw, self.node, self.node.nuke.frame())

    def execute(self) -> None:  # a button (or a Read's reload)
        self.executed += 1
        if self.script:
            self.node.nuke.run_script(self.script, self.node, self)

    def saved(self) -> Optional[str]:
        """The knob as a saved script writes it (None: nothing to save)."""
        if self.expression is not None:
            return "{{" + _quote(self.expression) + "}}"
        if self.keys:
            first = next(iter(self.keys.values()))
            if isinstance(first, (tuple, list)):
                return "{" + " ".join(
                    "{curve " + " ".join(f"x{f:g} {self.keys[f][i]:g}" for f in sorted(self.keys))
                    + "}" for i in range(len(first))) + "}"
            return "{{curve " + " ".join(f"x{f:g} {self.keys[f]:g}"
                                         for f in sorted(self.keys)) + "}}"
        return _format(self._value)


def _quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("[", "\\[")
               .replace("]", "\\]").replace("\n", "\\n"))
    return f'"{escaped}"'


def _format(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return "{" + " ".join(_format(v) for v in value) + "}"
    return _quote("" if value is None else str(value))


class FakeNode:
    """A node of a class Nuke has; a group (a gizmo) holds nodes and has a parent link."""

    def __init__(self, nuke: "FakeNuke", cls: str, name: str,
                 knob_names: Optional[set] = None, size=(256, 256)):
        allowed = knob_names if knob_names is not None else CLASS_KNOBS.get(cls)
        if allowed is None:
            raise RuntimeError(f"{cls}: unknown command")  # what Nuke says of a missing plugin
        self.nuke, self._class, self._name = nuke, cls, name
        self._knobs: Dict[str, FakeKnob] = {k: FakeKnob(self, k) for k in allowed | COMMON_KNOBS}
        self._knobs["name"]._value = name
        self._children: Dict[str, FakeNode] = {}
        self._inputs: Dict[int, FakeNode] = {}
        self.parent: Optional[FakeNode] = None
        self._width, self._height = size

    def __getitem__(self, knob: str) -> FakeKnob:
        if knob not in self._knobs:
            raise NameError(f"knob {knob} does not exist")  # Nuke's message
        return self._knobs[knob]

    def knob(self, name: str) -> Optional[FakeKnob]:
        return self._knobs.get(name)

    def knobs(self) -> Dict[str, FakeKnob]:
        return dict(self._knobs)

    def name(self) -> str:
        return self._name

    def fullName(self) -> str:
        return self._name if self.parent is None else f"{self.parent.fullName()}.{self._name}"

    def Class(self) -> str:
        return self._class

    def node(self, name: str) -> Optional["FakeNode"]:
        return self._children.get(name)

    def nodes(self) -> List["FakeNode"]:
        return list(self._children.values())

    def setInput(self, index: int, node: Optional["FakeNode"]) -> bool:
        self._inputs[index] = node
        return True

    def input(self, index: int) -> Optional["FakeNode"]:
        return self._inputs.get(index)

    def firstFrame(self) -> int:
        if self._class == "Read":
            return int(self["first"].value())
        upstream = self.input(0)
        return upstream.firstFrame() if upstream else int(self.nuke.root()["first_frame"].value())

    def lastFrame(self) -> int:
        if self._class == "Read":
            return int(self["last"].value())
        upstream = self.input(0)
        return upstream.lastFrame() if upstream else int(self.nuke.root()["last_frame"].value())

    def width(self) -> int:
        return self._width

    def height(self) -> int:
        return self._height


# -- Tcl and expressions ----------------------------------------------------------------------
def _knob_owner(path: str, node: FakeNode):
    """``parent.x`` / ``Sibling.x`` / ``x`` → (node, knob name), as Tcl ``value`` finds them."""
    owner_name, _, knob = path.rpartition(".")
    if not owner_name:
        return node, knob
    if owner_name == "parent":
        return node.parent, knob
    group = node.parent
    sibling = group.node(owner_name) if group is not None else node.nuke.toNode(owner_name)
    if sibling is None:
        raise RuntimeError(f"no such node {owner_name!r} (in {path})")
    return sibling, knob


def tcl_substitute(text: str, node: FakeNode, frame: float) -> str:
    """Tcl command substitution of ``[...]`` (innermost first) with the commands we use."""
    results: List[str] = []

    def word(token: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: results[int(m.group(1))], token)

    def command(match) -> str:
        words = [word(w) for w in match.group(1).split()]
        if words == ["frame"]:
            out = f"{frame:g}"
        elif words[0] == "value" and len(words) == 2:
            owner, knob = _knob_owner(words[1], node)
            value = owner[knob].getValueAt(frame)
            out = _format(value).strip('"') if not isinstance(value, str) else value
        elif words[0] == "format":
            wanted = len(re.findall(r"%[-0-9]*d", words[1]))  # Tcl ignores extra arguments
            out = words[1] % tuple(int(float(w)) for w in words[2:2 + wanted])
        elif words[:2] == ["file", "exists"] and len(words) == 3:
            out = "1" if os.path.exists(words[2]) else "0"
        else:
            raise RuntimeError(f"the fake's Tcl has no command {match.group(1)!r}")
        results.append(out)
        return f"\x00{len(results) - 1}\x00"  # one word, whatever spaces it holds

    while True:
        text, count = re.subn(r"\[([^\[\]]*)\]", command, text)
        if not count:
            return word(text)


def evaluate_expression(expression: str, node: FakeNode, frame: float):
    """A Nuke expression: Tcl first, then ``frame``, ``parent.knob``, C operators."""
    text = tcl_substitute(expression, node, frame)
    text = text.replace("&&", " and ").replace("||", " or ")
    text = re.sub(r"\bparent\.(\w+)",
                  lambda m: repr(node.parent[m.group(1)].getValueAt(frame)), text)
    text = re.sub(r"\bframe\b", repr(frame), text)
    value = eval(text, {"__builtins__": {}}, {})  # noqa: S307 - our own gizmo's expressions
    return int(value) if isinstance(value, bool) else value


# -- the module ---------------------------------------------------------------------------------
class FakeProgressTask:
    def __init__(self, title: str):
        self.title, self.progress, self.messages, self.cancelled = title, 0, [], False

    def setProgress(self, value: int) -> None:
        self.progress = value

    def setMessage(self, text: str) -> None:
        self.messages.append(text)

    def isCancelled(self) -> bool:
        return self.cancelled


class FakeMenu:
    def __init__(self, name: str):
        self.name, self.menus, self.commands = name, {}, {}

    def addMenu(self, name: str) -> "FakeMenu":
        return self.menus.setdefault(name, FakeMenu(name))

    def addCommand(self, name: str, command: str) -> None:
        self.commands[name] = command


class FakeNodeFactory:
    """``nuke.nodes.<Class>(knob=value, ...)``: a node of a known class, its knobs set."""

    def __init__(self, nuke: "FakeNuke"):
        self.nuke, self.created = nuke, []

    def __getattr__(self, cls: str):
        if cls.startswith("_"):
            raise AttributeError(cls)

        def create(**knobs) -> FakeNode:
            node = FakeNode(self.nuke, cls, knobs.pop("name", f"{cls}1"))
            for knob, value in knobs.items():
                node[knob].setValue(value)
            self.created.append(node)
            return node
        return create


class FakeNuke(types.ModuleType):
    """The ``nuke`` module: root, nodes, gizmos from NUKE_PATH, execute, threads, save/open."""

    def __init__(self, *, gui: bool = True, render_source: Optional[Callable] = None,
                 first: int = 1001, last: int = 1003, script: str = "Root",
                 gizmo_path: str = ""):
        super().__init__("nuke")
        self.GUI = gui
        self.gizmo_path = gizmo_path  # the folder on NUKE_PATH holding our .gizmo
        self._root = FakeNode(self, "Root", "Root")
        self._root["first_frame"].setValue(first)
        self._root["last_frame"].setValue(last)
        self._root["colorManagement"].setValue("Nuke")
        self._script = script
        self.render_source = render_source
        self.current_frame = first
        self.executed: List[tuple] = []
        self.messages: List[str] = []
        self.tasks: List[FakeProgressTask] = []
        self.main_thread: "queue.Queue" = queue.Queue()
        self.created: List[FakeNode] = []
        self._menus: Dict[str, FakeMenu] = {}
        self.nodes = FakeNodeFactory(self)
        self.selected: Optional[FakeNode] = None
        self.picked_file = ""
        self._this: List[tuple] = []

    # the script ------------------------------------------------------------------------------
    def root(self) -> FakeNode:
        root = self._root
        root.name = lambda: self._script  # Root.name() is the script path in Nuke
        return root

    def frame(self) -> int:
        return self.current_frame

    def toNode(self, name: str) -> Optional[FakeNode]:
        return next((n for n in self.created if n.name() == name), None)

    def allNodes(self, recurseGroups: bool = False) -> List[FakeNode]:
        return list(self.created)

    def createNode(self, cls: str, inpanel: bool = True) -> FakeNode:
        """A node of ``cls``: a gizmo when ``cls.gizmo`` is on NUKE_PATH, else a built-in."""
        count = sum(n.Class() == cls for n in self.created) + 1
        gizmo = os.path.join(self.gizmo_path, f"{cls}.gizmo")
        if os.path.exists(gizmo):
            with open(gizmo, encoding="utf-8") as fh:
                node = build_gizmo(self, cls, f"{cls}{count}", fh.read())
        else:
            node = FakeNode(self, cls, f"{cls}{count}")
        self.created.append(node)
        return node

    def save_script(self) -> str:
        """The script as Nuke saves it: each node's class, its knobs that differ from their
        defaults (values, keys, expressions) and its name; inputs in stack order (``push`` the
        input, then the node pops it)."""
        out, ordered = [], []

        def visit(node):  # inputs first, as Nuke writes them
            if node is not None and node not in ordered:
                visit(node.input(0))
                ordered.append(node)
        for node in self.created:
            visit(node)
        for node in ordered:
            defaults = getattr(node, "defaults", {})
            upstream = node.input(0)
            if upstream is not None:
                out.append(f"push $N_{upstream.name()}")
            out += [f"{node.Class()} {{", f" inputs {0 if upstream is None else 1}"]
            for name, knob in node.knobs().items():
                if name in ("name", "inputs") or knob.type_id in (20, 22, 26):
                    continue  # tabs, buttons and labels hold no value
                text = knob.saved()
                if text != defaults.get(name, _format(None)):
                    out.append(f" {name} {text}")
            out += [f" name {node.name()}", "}", f"set N_{node.name()} [stack 0]"]
        return "\n".join(out) + "\n"

    def open_script(self, text: str) -> None:
        """Replace the script's nodes with those of ``text`` (gizmos rebuilt from NUKE_PATH)."""
        self.created = []
        variables, stack = {}, []
        for words in tcl_commands(text):
            if words[0] == "set":
                variables[words[1]] = stack[-1]
            elif words[0] == "push":
                stack.append(variables[words[1].lstrip("$")])
            else:
                cls, body = words[0], tcl_commands(words[1])
                values = dict((w[0], w[1]) for w in body)
                node = self.createNode(cls)
                node._name = values.pop("name")
                node["name"]._value = node._name
                inputs = int(values.pop("inputs", "1"))
                for index in range(inputs):
                    node.setInput(index, stack.pop())
                for knob, raw in values.items():
                    _apply(node[knob], raw)
                stack.append(node)

    # running code ------------------------------------------------------------------------------
    def run_script(self, code: str, node: FakeNode, knob: FakeKnob) -> None:
        """Run a knob's Python as Nuke does: ``nuke`` imported, thisNode/thisKnob set."""
        self._this.append((node, knob))
        try:
            exec(code, {"nuke": self})  # noqa: S102 - our own gizmo's callbacks
        finally:
            self._this.pop()

    def thisNode(self) -> FakeNode:
        return self._this[-1][0]

    def thisKnob(self) -> FakeKnob:
        return self._this[-1][1]

    def user_sets(self, node: FakeNode, knob: str, value, frame: Optional[float] = None) -> None:
        """The artist changes a knob in the panel: the value, then the node's knobChanged."""
        if frame is None:
            node[knob].setValue(value)
        else:
            node[knob].setValueAt(value, frame)
        callback = node["knobChanged"].value()
        if callback:
            self.run_script(callback, node, node[knob])

    def press(self, node: FakeNode, button: str) -> None:
        """The artist presses a button knob: its script runs with thisNode set."""
        node[button].execute()

    def executeInMainThread(self, call: Callable, args: tuple = (), kwargs: Optional[dict] = None):
        self.main_thread.put((call, args, kwargs or {}))

    def run_main_thread(self) -> int:
        """Run the calls worker threads queued for the main thread; returns how many."""
        count = 0
        while not self.main_thread.empty():
            call, args, kwargs = self.main_thread.get()
            call(*args, **kwargs)
            count += 1
        return count

    def execute(self, node: FakeNode, first: int, last: int) -> None:
        if node["disable"].value():
            raise RuntimeError(f"{node.name()} is disabled")  # nuke.execute refuses it
        self.executed.append((node.name(), first, last))
        if self.render_source is not None:
            self.render_source(node["file"].evaluate(), first, last)

    def ProgressTask(self, title: str) -> FakeProgressTask:
        self.tasks.append(FakeProgressTask(title))
        return self.tasks[-1]

    def message(self, text: str) -> None:
        self.messages.append(text)

    def scriptSave(self, path: str = "") -> bool:
        raise AssertionError("ATW must never save the artist's script")

    def menu(self, name: str) -> FakeMenu:
        return self._menus.setdefault(name, FakeMenu(name))

    def selectedNode(self) -> FakeNode:
        if self.selected is None:
            raise ValueError("no node selected")  # what Nuke raises
        return self.selected

    def getFilename(self, message: str, pattern: str = "") -> str:
        return self.picked_file


# -- gizmos ---------------------------------------------------------------------------------
def _apply(knob: FakeKnob, raw: str) -> None:
    """Set a knob from its script text: a constant, ``{{expression}}`` or ``{{curve ...}}``."""
    if isinstance(raw, Braced):
        inner = tcl_commands(raw)
        if len(inner) == 1 and len(inner[0]) == 1 and isinstance(inner[0][0], Braced):
            content = tcl_commands(inner[0][0])[0]
            if content[0] == "curve":
                for key in range(1, len(content), 2):
                    knob.setValueAt(float(content[key + 1]), float(content[key][1:]))
            else:
                knob.setExpression(str(content[0]))
            return
        if all(len(c) == 1 and isinstance(c[0], Braced) for c in inner) and inner:
            curves = [tcl_commands(c[0])[0] for c in inner[0:]]  # per-value curves of an array
            frames = [float(w[1:]) for w in curves[0][1::2]]
            for k, frame in enumerate(frames):
                knob.setValueAt(tuple(float(c[2 + 2 * k]) for c in curves), frame)
            return
        values = [w for c in tcl_commands(raw) for w in c]
        knob.setValue(tuple(_typed(v, None) for v in values))
        return
    knob.setValue(_typed(raw, knob.type_id))


def _typed(text: str, type_id: Optional[int]):
    """A constant as its knob holds it."""
    if isinstance(text, Quoted) or type_id in (1, 2, 4):
        return str(text)
    if text in ("true", "false"):
        return text == "true"
    try:
        number = float(text)
    except ValueError:
        return str(text)
    return int(number) if type_id == 3 or (type_id is None and number.is_integer()
                                            and "." not in text) else number


def build_gizmo(nuke: FakeNuke, cls: str, name: str, text: str) -> FakeNode:
    """The gizmo node and its inside, built from ``.gizmo`` text as Nuke builds it."""
    commands = tcl_commands(text)
    head = next(c for c in commands if c[0] == "Gizmo")
    body = tcl_commands(head[1])
    user = [tcl_commands(w[1])[0] for w in body if w[0] == "addUserKnob"]
    node = FakeNode(nuke, cls, name, {u[1] for u in user})
    for spec in user:
        options = dict(zip(spec[2::2], spec[3::2]))
        knob = node[spec[1]]
        knob.type_id = int(spec[0])
        knob.script = options.get("T", "")
        knob._value = {6: False, 7: 0.0, 3: 0, 1: "", 2: ""}.get(knob.type_id)
    for words in body:
        if words[0] not in ("addUserKnob", "inputs"):
            _apply(node[words[0]], words[1])
    node.defaults = {k: knob.saved() for k, knob in node.knobs().items()}

    variables, stack = {}, []
    for words in commands[commands.index(head) + 1:]:
        if words[0] == "end_group":
            break
        if words[0] == "set":
            variables[words[1]] = stack[-1]
            continue
        if words[0] == "push":
            stack.append(variables[words[1].lstrip("$")])
            continue
        values = {w[0]: w[1] for w in tcl_commands(words[1])}
        child = FakeNode(nuke, words[0], values.pop("name"))
        child.parent = node
        inputs = int(values.pop("inputs", "0" if words[0] == "Input" else "1"))
        for index in range(inputs):  # the top of the stack becomes input 0
            child.setInput(index, stack.pop())
        for knob, raw in values.items():
            _apply(child[knob], raw)
        node._children[child.name()] = child
        stack.append(child)
    return node


def shown(node: FakeNode, frame: int):
    """What a node outputs at ``frame``, following the graph: ``("input", upstream node)`` or
    ``("file", path)`` of the Read it comes from."""
    if node.Class() == "Read":
        path = tcl_substitute(node["file"]._value or "", node, frame)
        return "file", path % frame if "%" in path else path
    if node.Class() == "Switch":
        return shown(node.input(int(node["which"].getValueAt(frame))), frame)
    if node.Class() == "Input":
        return "input", node.parent.input(0)
    if node.Class() == "Output":
        return shown(node.input(0), frame)
    if node.node("Output1") is not None:  # a group: through its Output
        return shown(node.node("Output1"), frame)
    return shown(node.input(0), frame)  # Write and other pass-through nodes
