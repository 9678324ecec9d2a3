"""``nuke -t <ATW>/nuke/atw_nuke/farm_render.py shot.nk``: render every ATW node of a script."""
import sys

if __name__ == "__main__":
    import nuke

    import atw_nuke.install
    atw_nuke.install.on_init()
    from atw_nuke.actions import render_all

    nuke.scriptOpen(sys.argv[1])
    print(f"ATW: rendered {render_all(nuke=nuke)} frames")
