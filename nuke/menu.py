# ATW for Nuke: the GUI menu "ATW > Animate Face" (Nuke runs menu.py only with a GUI).
try:
    import atw_nuke.install
    atw_nuke.install.on_menu()
except Exception as exc:  # noqa: BLE001 - anything, so Nuke always starts
    print(f"ATW: menu not added ({type(exc).__name__}: {exc})")
