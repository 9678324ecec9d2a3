"""Face detection, landmarks, the face crop, its matte, and paste-back."""
from .crop import CropBox, crop, ellipse_matte, face_matte, paste
from .detect import Face, detect_face, detect_faces

__all__ = ["CropBox", "Face", "crop", "detect_face", "detect_faces", "ellipse_matte", "face_matte",
           "paste"]
