"""The ATW control tool as Fusion ``.setting`` text: 17 AU sliders, an intensity and the warp's
filter as UserControls.

Generated from the same AU vocabulary as the Nuke node, so the two hosts show the same controls.
``resolve/ATW_Controls.setting`` is this text (``python -m atw_resolve.setting`` rewrites it; a
test checks it), for pasting the controls by hand. The tool is a Transform left at identity and
unconnected: it only carries the keyframable sliders the render reads with ``GetInput``.
"""
from __future__ import annotations

from atw_ofx.facs import AU_FACS_NAMES, AU_NAMES, AU_RANGE
from atw_ofx.filters import DEFAULT_FILTER, FILTERS

TOOL = "ATW_Controls"
PAGE = "ATW"
#: The filter menu's input: its value is the index of the entry in FILTERS.
FILTER_INPUT = "Filter"


def _slider(name: str, label: str, default: float, low: float, high: float) -> list[str]:
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
        f'\t\t\t\t\tICS_ControlPage = "{PAGE}",',
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


def controls() -> list[tuple[str, str, float, float, float]]:
    """(input name, label, default, min, max) of every slider, in panel order."""
    low, high = AU_RANGE
    return [(au, f"{au} {AU_FACS_NAMES[au]}", 0.0, low, high) for au in AU_NAMES] + \
        [("Intensity", "Intensity", 1.0, 0.0, 2.0)]


def setting_text() -> str:
    """The ``.setting`` document Fusion pastes (``comp.Paste(bmd.readstring(text))``)."""
    lines = ["{", "\tTools = ordered() {", f"\t\t{TOOL} = Transform {{",
             "\t\t\tCtrlWZoom = false,", "\t\t\tInputs = {"]
    lines += [f"\t\t\t\t{name} = Input {{ Value = {default:g}, }},"
              for name, _, default, _, _ in controls()]
    lines += [f"\t\t\t\t{FILTER_INPUT} = Input {{ Value = {FILTERS.index(DEFAULT_FILTER)}, }},"]
    lines += ["\t\t\t},", "\t\t\tViewInfo = OperatorInfo { Pos = { 0, -66 } },",
              "\t\t\tUserControls = ordered() {"]
    for control in controls():
        lines += _slider(*control)
    lines += _menu(FILTER_INPUT, "Filter", FILTERS, FILTERS.index(DEFAULT_FILTER))
    lines += ["\t\t\t},", "\t\t},", "\t},", f'\tActiveTool = "{TOOL}"', "}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import os

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "ATW_Controls.setting")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(setting_text())
    print(f"wrote {path}")
