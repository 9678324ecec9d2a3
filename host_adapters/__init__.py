"""The contract every host adapter (Nuke, Resolve/Fusion) implements, and its registry.

Host glue lands with the host-adapters issue; the core never imports this package.
"""
