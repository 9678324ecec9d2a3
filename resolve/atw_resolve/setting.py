"""The ATW control tool as Fusion ``.setting`` text: a slider per named expression, 17 AU sliders,
an intensity and the render's settings (model, ResWarp, formulation, filter, AU mode, glasses,
face, colour space) as UserControls, and on a page of their own the AUs a side of the face can be
asked alone (a wink, one raised brow).

Generated from the same AU vocabulary as the Nuke node, so the two hosts show the same controls.
``resolve/ATW_Controls.setting`` is this text (``python -m atw_resolve.setting`` rewrites it; a
test checks it), for pasting the controls by hand. The tool is a Transform left at identity and
unconnected: it only carries the keyframable sliders the render reads with ``GetInput``.
"""
from __future__ import annotations

from atw_ofx.facs import (AU_FACS_NAMES, AU_NAMES, AU_RANGE, EXPRESSION_RANGE, EXPRESSIONS,
                          SIDED_AU_NAMES, expression_recipe)
from atw_ofx.filters import DEFAULT_FILTER, FILTERS
from atw_ofx.options import (AU_MODES, DEFAULT_AU_MODE, DEFAULT_FORMULATION, DEFAULT_GLASSES,
                             DEFAULT_METHOD, DEFAULT_MODEL, FORMULATIONS, GLASSES, METHODS)

TOOL = "ATW_Controls"
PAGE = "ATW"
#: The page of the one-side AU sliders (:func:`one_side_controls`).
ONE_SIDE_PAGE = "One side"
#: The filter menu's input: its value is the index of the entry in FILTERS.
FILTER_INPUT = "Filter"
#: Menus: input name → (label, entries, default entry). A menu's value is the entry's index.
MENUS = {
    "ResWarp": ("ResWarp", METHODS, DEFAULT_METHOD),
    "Formulation": ("Formulation", FORMULATIONS, DEFAULT_FORMULATION),
    FILTER_INPUT: ("Filter", FILTERS, DEFAULT_FILTER),
    "AUMode": ("AU mode", AU_MODES, DEFAULT_AU_MODE),
    "Glasses": ("Glasses", GLASSES, DEFAULT_GLASSES),
}
#: Text fields: input name → (label, default). An empty ColorSpace: from the project.
TEXTS = {"Model": ("Model", DEFAULT_MODEL), "ColorSpace": ("Colour space", "")}
#: Integer sliders: input name → (label, default, max).
INTEGERS = {"FaceIndex": ("Face", 0, 9)}


def _slider(name: str, label: str, default: float, low: float, high: float, *,
            integer: bool = False, page: str = PAGE) -> list:
    return [
        f"\t\t\t\t{name} = {{",
        f'\t\t\t\t\tLINKS_Name = "{label}",',
        '\t\t\t\t\tLINKID_DataType = "Number",',
        '\t\t\t\t\tINPID_InputControl = "SliderControl",',
        f"\t\t\t\t\tINP_Default = {default:g},",
        f"\t\t\t\t\tINP_MinScale = {low:g},",
        f"\t\t\t\t\tINP_MaxScale = {high:g},",
        f"\t\t\t\t\tINP_MinAllowed = {low:g},",
        f"\t\t\t\t\tINP_MaxAllowed = {high:g},",
        *(["\t\t\t\t\tINP_Integer = true,"] if integer else []),
        f'\t\t\t\t\tICS_ControlPage = "{page}",',
        "\t\t\t\t},",
    ]


def _menu(name: str, label: str, items: tuple[str, ...], default: int) -> list[str]:
    return [
        f"\t\t\t\t{name} = {{",
        f'\t\t\t\t\tLINKS_Name = "{label}",',
        '\t\t\t\t\tLINKID_DataType = "Number",',
        '\t\t\t\t\tINPID_InputControl = "ComboControl",',
        f"\t\t\t\t\tINP_Default = {default},",
        "\t\t\t\t\tINP_Integer = true,",
        *(f'\t\t\t\t\t{{ CCS_AddString = "{item}", }},' for item in items),
        f'\t\t\t\t\tICS_ControlPage = "{PAGE}",',
        "\t\t\t\t},",
    ]


def _text(name: str, label: str) -> list[str]:
    return [
        f"\t\t\t\t{name} = {{",
        f'\t\t\t\t\tLINKS_Name = "{label}",',
        '\t\t\t\t\tLINKID_DataType = "Text",',
        '\t\t\t\t\tINPID_InputControl = "TextEditControl",',
        "\t\t\t\t\tTEC_Lines = 1,",
        f'\t\t\t\t\tICS_ControlPage = "{PAGE}",',
        "\t\t\t\t},",
    ]


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def controls() -> list:
    """(input name, label, default, min, max) of every slider on the ATW page, in panel order:
    the named expressions' weights (``happy``: :data:`~atw_ofx.facs.EXPRESSIONS`, 0–1, added to
    the AUs), the AUs', the intensity (scaling them all)."""
    low, high = AU_RANGE
    return [(name, f"{name.capitalize()} ({expression_recipe(name)})", 0.0, *EXPRESSION_RANGE)
            for name in EXPRESSIONS] + \
        [(au, f"{au} {AU_FACS_NAMES[au]}", 0.0, low, high) for au in AU_NAMES] + \
        [("Intensity", "Intensity", 1.0, 0.0, 2.0)]


def one_side_controls() -> list:
    """(input name, label, default, min, max) of the one-side AU sliders (``AU12L``, the
    person's own left; :data:`~atw_ofx.facs.SIDED_AU_NAMES`), on their own page: at 0 on every
    frame a slider asks nothing, keyed or set above 0 it takes its AU's place on that side."""
    low, high = AU_RANGE
    sides = {"L": "left", "R": "right"}
    return [(name, f"{name[:-1]} {AU_FACS_NAMES[name[:-1]]} ({sides[name[-1]]})", 0.0, low, high)
            for name in SIDED_AU_NAMES]


def setting_text() -> str:
    """The ``.setting`` document Fusion pastes (``comp.Paste(bmd.readstring(text))``)."""
    lines = ["{", "\tTools = ordered() {", f"\t\t{TOOL} = Transform {{",
             "\t\t\tCtrlWZoom = false,", "\t\t\tInputs = {"]
    lines += [f"\t\t\t\t{name} = Input {{ Value = {default:g}, }},"
              for name, _, default, _, _ in controls() + one_side_controls()]
    lines += [f"\t\t\t\t{name} = Input {{ Value = {items.index(default)}, }},"
              for name, (_, items, default) in MENUS.items()]
    lines += [f"\t\t\t\t{name} = Input {{ Value = {_lua_string(default)}, }},"
              for name, (_, default) in TEXTS.items()]
    lines += [f"\t\t\t\t{name} = Input {{ Value = {default}, }},"
              for name, (_, default, _) in INTEGERS.items()]
    lines += ["\t\t\t},", "\t\t\tViewInfo = OperatorInfo { Pos = { 0, -66 } },",
              "\t\t\tUserControls = ordered() {"]
    for control in controls():
        lines += _slider(*control)
    for name, (label, items, default) in MENUS.items():
        lines += _menu(name, label, items, items.index(default))
    for name, (label, _) in TEXTS.items():
        lines += _text(name, label)
    for name, (label, default, high) in INTEGERS.items():
        lines += _slider(name, label, default, 0, high, integer=True)
    for control in one_side_controls():
        lines += _slider(*control, page=ONE_SIDE_PAGE)
    lines += ["\t\t\t},", "\t\t},", "\t},", f'\tActiveTool = "{TOOL}"', "}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "ATW_Controls.setting")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(setting_text())
    print(f"wrote {path}")
