#!/usr/bin/env python3
"""Times the peers of our extractors on the feature benchmark's images (issue 28), one thread, for docs/benchmarks.md.

    /usr/bin/python3 scripts/bench-peers.py [--seconds S]

Peers (Debian packages; none is a CI dependency):
  * OpenCV SIFT (python3-opencv): cv2.SIFT_create() defaults, detectAndCompute on the 8-bit gray image. Its own
    detector settings (contrast threshold 0.04, 3 levels, upsampled first octave), so it finds other keypoints than
    VLFeat's settings; compared per descriptor.
  * OpenCV HOG: cv2.HOGDescriptor with 8-px cells, 16-px blocks of 2 x 2 cells, block stride 8, 9 unsigned bins,
    the image as one window (Dalal-Triggs, not UoCTTI: no 31-channel projection).
  * scikit-image 0.19 (python3-skimage): skimage.feature.hog (cell 8, 9 orientations, blocks of 2 x 2, L2-Hys) and
    local_binary_pattern(P=8, R=1, 'uniform') followed by per-cell 16-px histograms (numpy), our LBP's work; its
    'uniform' maps to 10 rotation-invariant bins, not VLFeat's 58.
Images: the committed test photos camera and coffee, and coffee resized to 640x480 and 1024x768 (bilinear; the
benchmark uses a triangle filter: the same sizes, nearly the same pixels). Times: minimum and median after a
warm-up, in ms.
"""
import argparse
import os
import statistics
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)

try:
    from skimage.feature import hog as sk_hog, local_binary_pattern
except ImportError:  # scikit-image is optional
    sk_hog = local_binary_pattern = None


def images(root):
    photos = os.path.join(root, "tests", "data", "photos")
    camera = cv2.imread(os.path.join(photos, "camera-256x256.jpg"), cv2.IMREAD_GRAYSCALE)
    coffee = cv2.imread(os.path.join(photos, "coffee-480x320.jpg"), cv2.IMREAD_GRAYSCALE)
    return [
        ("camera", camera),
        ("coffee", coffee),
        ("coffee (resized)", cv2.resize(coffee, (640, 480), interpolation=cv2.INTER_LINEAR)),
        ("coffee (resized)", cv2.resize(coffee, (1024, 768), interpolation=cv2.INTER_LINEAR)),
    ]


def timed(fn, seconds):
    for _ in range(3):
        fn()
    runs = []
    start = time.perf_counter()
    while len(runs) < 7 or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1e3)
    return min(runs), statistics.median(runs)


def lbp_cells(gray):
    codes = local_binary_pattern(gray, 8, 1, "uniform").astype(np.int64)
    rows, cols = gray.shape[0] // 16, gray.shape[1] // 16
    cells = codes[: rows * 16, : cols * 16].reshape(rows, 16, cols, 16).transpose(0, 2, 1, 3).reshape(rows, cols, 256)
    return np.stack([np.bincount(c, minlength=10) for c in cells.reshape(-1, 256)])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    print(f"# OpenCV {cv2.__version__}, scikit-image "
          f"{__import__('skimage').__version__ if sk_hog else 'not installed'}, numpy {np.__version__}, 1 thread")
    print("| image | size | peer | min / median (ms) | output |")
    print("|---|---|---|---:|---|")
    sift = cv2.SIFT_create()
    for name, gray in images(root):
        h, w = gray.shape
        size = f"{w}x{h}"
        keypoints = []

        def run_sift():
            keypoints[:] = [sift.detectAndCompute(gray, None)[0]]

        lo, med = timed(run_sift, args.seconds)
        n = len(keypoints[0])
        print(f"| {name} | {size} | OpenCV SIFT | {lo:.3f} / {med:.3f} | {n} descriptors, "
              f"{1e3 * lo / n:.1f} / {1e3 * med / n:.1f} us each |")
        hog = cv2.HOGDescriptor((w // 8 * 8, h // 8 * 8), (16, 16), (8, 8), (8, 8), 9)
        crop = np.ascontiguousarray(gray[: h // 8 * 8, : w // 8 * 8])
        out = []
        lo, med = timed(lambda: out.__setitem__(slice(None), [hog.compute(crop)]), args.seconds)
        print(f"| {name} | {size} | OpenCV HOG (Dalal-Triggs) | {lo:.3f} / {med:.3f} | {out[0].size} values |")
        if sk_hog is not None:
            lo, med = timed(lambda: out.__setitem__(slice(None), [sk_hog(gray, 9, (8, 8), (2, 2))]), args.seconds)
            print(f"| {name} | {size} | scikit-image HOG | {lo:.3f} / {med:.3f} | {out[0].size} values |")
            lo, med = timed(lambda: out.__setitem__(slice(None), [lbp_cells(gray)]), args.seconds)
            print(f"| {name} | {size} | scikit-image LBP + 16-px cell histograms | {lo:.3f} / {med:.3f} | "
                  f"{out[0].size} values |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
