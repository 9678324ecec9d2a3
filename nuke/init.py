# ATW for Nuke: farm-safe start-up (every Nuke, GUI or `nuke -t`). Add this folder to NUKE_PATH.
# A shim: a broken install prints one line and never stops Nuke from starting.
try:
    import atw_nuke.install
    atw_nuke.install.on_init()
except Exception as exc:  # noqa: BLE001 - anything, so Nuke always starts
    print(f"ATW: not loaded ({type(exc).__name__}: {exc})")
