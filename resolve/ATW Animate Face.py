"""ATW ▸ Animate Face — DaVinci Resolve script (Workspace ▸ Scripts, or the Fusion page's Scripts).

Install: put this file (or a link to it) in Resolve's Fusion Scripts folder (see the README for
each OS) and set ATW_ROOT to the ATW checkout unless the file is a link into it; set ATW_PYTHON
to the Python of the environment ATW is installed in. This is the one place that looks up the
Resolve and Fusion objects; everything else receives them.
"""
import os
import sys


def _main():
    here = os.path.dirname(os.path.realpath(globals().get("__file__", "") or "."))
    root = os.environ.get("ATW_ROOT") or os.path.dirname(here)
    for path in (os.path.join(root, "resolve"), root):
        if path not in sys.path:
            sys.path.insert(0, path)
    from atw_resolve.actions import animate_current_clip
    from atw_resolve.progress import window_runner

    bmd = globals().get("bmd")
    if bmd is None:
        import DaVinciResolveScript as bmd  # outside Resolve's own console
    app = globals().get("resolve") or bmd.scriptapp("Resolve")
    fusion_bmd = globals().get("bmd")
    if fusion_bmd is None:
        import BlackmagicFusion as fusion_bmd  # bmd.readstring lives in Fusion's module
    animate_current_clip(app, fusion_bmd.readstring,
                         to_media_pool=os.environ.get("ATW_MEDIA_POOL") == "1",
                         preview_frame=bool(globals().get("ATW_PREVIEW_FRAME")),
                         runner=window_runner(app, fusion_bmd))


try:
    _main()
except Exception as exc:  # noqa: BLE001 - report in Resolve's console, never crash the host
    print(f"ATW: {exc}")
