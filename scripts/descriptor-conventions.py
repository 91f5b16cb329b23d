#!/usr/bin/python3
"""Measures how COLMAP's and OpenCV's SIFT conventions map onto VLFeat's (docs/features.md, "Leaked descriptor files").

    bash scripts/make-descriptor-fixtures.sh            # the fixtures, made by the real tools
    T=trainer/bin/Release/net10.0/FeatureInversion.Trainer
    $T features sift tests/data/photos/camera-256x256.jpg -o /tmp/ours-camera.npy
    $T features sift tests/data/photos/coffee-480x320.jpg -o /tmp/ours-coffee.npy
    /usr/bin/python3 scripts/descriptor-conventions.py /tmp/ours-camera.npy /tmp/ours-coffee.npy

Needs Debian's python3-opencv (for numpy). Keypoints are paired by position (and, for descriptors, orientation);
the printed medians are what the docs quote and what the C# readers' tests bound.
"""
import sqlite3, sys
import numpy as np

ours_camera, ours_coffee = (np.load(p).astype(np.float64) for p in sys.argv[1:3])
fixtures = "tests/data/fixtures/descriptors"

def nearest(ours, xy):
    """For each of our keypoints, the index of the nearest of theirs and its distance."""
    d = np.linalg.norm(ours[:, None, :2] - xy[None, :, :2], axis=2)
    return d.argmin(1), d.min(1)

def reorient(D, reverse=True, transpose=False):
    out = np.empty_like(D)
    for y in range(4):
        for x in range(4):
            src = (x * 4 + y) if transpose else (y * 4 + x)
            for t in range(8):
                out[:, (y * 4 + x) * 8 + t] = D[:, src * 8 + ((-t) % 8 if reverse else t)]
    return out

def cosines(A, B):
    A = A / np.linalg.norm(A, axis=1, keepdims=True)
    B = B / np.linalg.norm(B, axis=1, keepdims=True)
    return (A * B).sum(1)

def wrap(a):
    return np.angle(np.exp(1j * a))

# COLMAP 3.8, camera-256x256.jpg
db = sqlite3.connect(f"file:{fixtures}/colmap.db?immutable=1", uri=True)
iid, = db.execute("select image_id from images where name = 'camera-256x256.jpg'").fetchone()
r, c, data = db.execute("select rows, cols, data from keypoints where image_id = ?", (iid,)).fetchone()
K = np.frombuffer(data, np.float32).reshape(r, c).astype(np.float64)
_, _, data = db.execute("select rows, cols, data from descriptors where image_id = ?", (iid,)).fetchone()
D = np.frombuffer(data, np.uint8).reshape(r, 128).astype(np.float64)
for offset in (0.0, 0.5):
    j, dist = nearest(ours_camera, K[:, :2] - offset)
    print(f"colmap: x,y - {offset}: {np.sum(dist < 0.05)} of VLFeat's {len(ours_camera)} keypoints have one of COLMAP's {r} within 0.05 px")
j, dist = nearest(ours_camera, K[:, :2] - 0.5)
m = dist < 0.05
scale = (np.hypot(K[:, 2], K[:, 4]) + np.hypot(K[:, 3], K[:, 5])) / 2
angle = np.arctan2(K[:, 4], K[:, 2])
o, k = ours_camera[m], j[m]
print(f"colmap: scale / VLFeat sigma median {np.median(scale[k] / o[:, 2]):.4f}; |orientation difference| median {np.median(np.abs(wrap(angle[k] - o[:, 3]))):.4f} rad")
same = np.abs(wrap(angle[k] - o[:, 3])) < 0.02
root = (reorient(D[k][same]) / 512) ** 2
print(f"colmap: descriptor cosine median {np.median(cosines(root, o[same, 4:])):.5f} (reordered, squared); "
      f"{np.median(cosines(D[k][same], o[same, 4:])):.3f} as stored ({same.sum()} pairs)")

# OpenCV 4.6, coffee-480x320.jpg
z = np.load(f"{fixtures}/opencv-sift.npz")
P, Q = z["keypoints"].astype(np.float64), z["descriptors"].astype(np.float64)
j, dist = nearest(ours_coffee, P[:, :2])
m = dist < 0.5
o, k = ours_coffee[m], j[m]
d = P[k, :2] - o[:, :2]
print(f"opencv: {m.sum()} of VLFeat's {len(ours_coffee)} keypoints have one of OpenCV's {len(P)} within 0.5 px; position offset median dx {np.median(d[:, 0]):+.3f} dy {np.median(d[:, 1]):+.3f}")
ratio = P[k, 2] / o[:, 2]
print(f"opencv: size / VLFeat sigma median {np.median(ratio):.3f} (10-90 %: {np.percentile(ratio, 10):.2f}-{np.percentile(ratio, 90):.2f})")
for sign in (1, -1):
    print(f"opencv: |{'+' if sign > 0 else '-'}angle - VLFeat orientation| median {np.median(np.abs(wrap(sign * np.deg2rad(P[k, 3]) - o[:, 3]))):.3f} rad")
same = np.abs(wrap(np.deg2rad(P[k, 3]) - o[:, 3])) < 0.03
for reverse in (False, True):
    for transpose in (False, True):
        cs = cosines(reorient(Q[k][same], reverse, transpose), o[same, 4:])
        print(f"opencv: descriptor cosine median {np.median(cs):.4f} (orientation bins reversed: {reverse}, x/y swapped: {transpose}; {same.sum()} pairs)")
