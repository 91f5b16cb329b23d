#!/usr/bin/python3
"""Writes what a localisation service running OpenCV's SIFT would keep of each photo: one .npz per photo
(keypoints = [[x, y, size, angle], ...] float32, descriptors = N x 128 float32), named {photo}.npz, the layout
scripts/make-descriptor-fixtures.sh makes and `audit --leaked DIR` / the pipeline read.

    /usr/bin/python3 scripts/leak-opencv-sift.py data/photos/test out/leak-opencv   (Debian's python3-opencv)
"""
import os
import sys

import cv2
import numpy as np

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
sift = cv2.SIFT_create()  # OpenCV's defaults: 3 layers per octave, contrast 0.04, edge 10, sigma 1.6
total = 0
for name in sorted(os.listdir(src)):
    if os.path.splitext(name)[1].lower() not in (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"):
        continue
    gray = cv2.imread(os.path.join(src, name), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        print(f"skipped {name}: not readable by OpenCV", file=sys.stderr)
        continue
    kps, desc = sift.detectAndCompute(gray, None)
    keypoints = np.array([[k.pt[0], k.pt[1], k.size, k.angle] for k in kps], dtype=np.float32).reshape(-1, 4)
    descriptors = (desc if desc is not None else np.zeros((0, 128))).astype(np.float32)
    np.savez(os.path.join(dst, name + ".npz"), keypoints=keypoints, descriptors=descriptors)
    total += len(kps)
print(f"opencv {cv2.__version__}: {total} keypoints in {dst}")
