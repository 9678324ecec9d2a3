"""ResWarp in native Nuke nodes around the exported generator (no Python at render time).

    face crop ─┬─ Inference (atw .cat: change RGB + forward.u/v) ─┬────────────┐
               └─ Copy forward.u/v from the model ── IDistort ─── Merge plus (A: change) ─► out

That is ResWarp's delta formulation: the crop warped by the up-sampled field (IDistort reads the
offsets in pixels, y up, as the model writes them) plus the refinement's change. No Reformat is
needed: the exported model resamples to and from its 128 px grid inside.

Limits: IDistort filters with Nuke's filters (Cubic by default; none is exactly bilinear; its
Keys and Lanczos6 are ``atw render --filter cubic`` and ``lanczos`` without their clamp to the
2×2 footprint), so results differ slightly from ``atw render``; the Inference node needs a ``.cat`` made by
CatFileCreator from ``atw export nuke`` (see docs/hosts.md for the torch version it must match).
"""
from __future__ import annotations

from .adapter import _nuke


def build_native_reswarp(source, cat_file: str, *, nuke=None) -> dict:
    """Create the graph below ``source`` (the face crop); returns the new nodes by role."""
    nuke = nuke or _nuke()
    model = nuke.nodes.Inference(modelFile=cat_file, name="ATW_Inference")
    model.setInput(0, source)
    motion = nuke.nodes.Copy(from0="forward.u", to0="forward.u", from1="forward.v",
                             to1="forward.v", name="ATW_Motion")
    motion.setInput(0, source)  # B: the plate
    motion.setInput(1, model)  # A: the model's motion channels
    warp = nuke.nodes.IDistort(uv="forward", uv_scale=1, name="ATW_IDistort")
    warp.setInput(0, motion)
    add = nuke.nodes.Merge2(operation="plus", Achannels="rgb", Bchannels="rgb", output="rgb",
                            name="ATW_AddChange")
    add.setInput(0, warp)  # B: the warped plate
    add.setInput(1, model)  # A: the refinement's change
    return {"model": model, "motion": motion, "warp": warp, "add": add}


def build_from_selection() -> None:
    """Menu command: the graph below the selected node, for a .cat the artist picks."""
    nuke = _nuke()
    cat_file = nuke.getFilename("ATW generator (.cat from CatFileCreator)", "*.cat")
    if cat_file:
        build_native_reswarp(nuke.selectedNode(), cat_file, nuke=nuke)
