#!/usr/bin/python3
"""Copies a photo folder with every photo scaled down (never up) to a short side of at most SIDE pixels and
re-encoded as baseline JPEG at QUALITY: what a GPU round's training can carry within the device's 64 MiB.
The paper trained on ImageNet images scaled to 256 px and cropped to 227, so a short side of 320 keeps its
regime for 256-px crops. EXIF orientation is applied (OpenCV's default), so the copies need none.
Usage: pack-photos.py SRC DST [SIDE] [QUALITY]"""
import os, sys
import cv2

src, dst = sys.argv[1], sys.argv[2]
side = int(sys.argv[3]) if len(sys.argv) > 3 else 320
quality = int(sys.argv[4]) if len(sys.argv) > 4 else 90
os.makedirs(dst, exist_ok=True)
n = total = 0
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if not os.path.isfile(path) or not name.lower().endswith((".jpg", ".jpeg", ".png")):
        continue
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        sys.exit(f"{path}: not readable as an image")
    h, w = image.shape[:2]
    scale = min(1.0, side / min(h, w))
    if scale < 1:
        image = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    out = os.path.join(dst, os.path.splitext(name)[0] + ".jpg")
    if not cv2.imwrite(out, image, [cv2.IMWRITE_JPEG_QUALITY, quality]):
        sys.exit(f"{out}: could not be written")
    n += 1
    total += os.path.getsize(out)
print(f"{n} photos, {total / 1e6:.1f} MB, short side <= {side}, quality {quality}: {dst}")
