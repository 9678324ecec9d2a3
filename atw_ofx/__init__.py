"""ATW — facial animation on full-resolution scene-linear plates (Animating Through Warping).

The host-agnostic core: conventions, ResWarp, motion models, face crop/paste-back, AU curves, image
I/O and the render API behind the ``atw`` command line. It never imports a host application.
"""
__version__ = "0.1.0"
