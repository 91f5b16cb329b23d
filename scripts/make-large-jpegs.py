#!/usr/bin/env python3
"""Large progressive JPEGs for the decode-memory runs (docs/benchmarks.md, "Decodes in flight").

Each of the first N JPEGs of SRC enlarged to WIDTHxHEIGHT (bicubic) and written progressive at quality 90: the
costliest decode ImageSharp does (about 9 bytes per pixel). Needs python3-opencv (Debian).
Usage: make-large-jpegs.py SRC OUT N [WIDTH HEIGHT]   (default 7000 5000) -> OUT/bXX.jpg
"""
import glob
import os
import sys

import cv2

src_dir, out_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
width, height = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else (7000, 5000)
sources = sorted(p for p in glob.glob(os.path.join(src_dir, '*')) if p.lower().endswith(('.jpg', '.jpeg')))[:n]
if len(sources) < n:
    sys.exit(f'{src_dir}: {len(sources)} JPEG files, {n} asked for')
os.makedirs(out_dir, exist_ok=True)
for i, path in enumerate(sources):
    image = cv2.imread(path)
    if image is None:
        sys.exit(f'{path}: not readable')
    large = cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(os.path.join(out_dir, f'b{i:02d}.jpg'), large,
                [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
print(f'{out_dir}: {n} progressive JPEGs of {width}x{height}')
