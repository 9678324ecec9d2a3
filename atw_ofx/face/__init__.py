"""Face detection, landmarks, the face crop, its matte, paste-back, and the sequence track."""
from .crop import CropBox, FacePlacement, crop, crop_planes, ellipse_matte, face_matte, paste
from .detect import Face, detect_face, detect_faces

__all__ = ["CropBox", "Face", "FacePlacement", "crop", "crop_planes", "detect_face", "detect_faces",
           "ellipse_matte", "face_matte", "paste"]
