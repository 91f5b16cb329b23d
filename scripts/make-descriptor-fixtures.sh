#!/usr/bin/env bash
# Makes the leaked-descriptor fixtures with the real tools (run by hand; CI only reads what it made):
#   bash scripts/make-descriptor-fixtures.sh [OUT_DIR]      (default tests/data/fixtures/descriptors)
# Needs Debian's colmap 3.8 and python3-opencv (apt-get install colmap python3-opencv).
#   colmap.db        COLMAP `feature_extractor`, CPU SIFT, default settings, on two test photos
#   opencv-sift.npz  cv2.SIFT_create() defaults on one test photo, saved the usual Python way:
#                    np.savez(keypoints=[[x, y, size, angle], ...] float32, descriptors=N×128 float32)
#   colmap-text/camera-256x256.jpg.txt  that photo's features in colmap.db written as COLMAP's feature text
#                    (x y scale orientation d1..d128; scale and orientation as COLMAP computes them from the shape)
#   colmap-imported.db  what `colmap feature_importer` makes of that text file (the reader's check)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-tests/data/fixtures/descriptors}
mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/images"
cp tests/data/photos/camera-256x256.jpg tests/data/photos/astronaut-300x300.jpg "$work/images/"
rm -f "$out/colmap.db"
colmap feature_extractor --database_path "$out/colmap.db" --image_path "$work/images" \
  --SiftExtraction.use_gpu 0 --SiftExtraction.num_threads 1 > "$work/colmap.log" 2>&1 || { cat "$work/colmap.log"; exit 1; }
# COLMAP leaves the database in WAL mode: fold it into one self-contained file.
/usr/bin/python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=DELETE'); c.execute('vacuum'); c.close()" "$out/colmap.db"
/usr/bin/python3 - "$out/opencv-sift.npz" <<'PY'
import sys, cv2, numpy as np
gray = cv2.imread("tests/data/photos/coffee-480x320.jpg", cv2.IMREAD_GRAYSCALE)
kps, desc = cv2.SIFT_create().detectAndCompute(gray, None)
keypoints = np.array([[k.pt[0], k.pt[1], k.size, k.angle] for k in kps], dtype=np.float32)
np.savez(sys.argv[1], keypoints=keypoints, descriptors=desc.astype(np.float32))
print(f"opencv {cv2.__version__}: {len(kps)} keypoints")
PY
# COLMAP's feature text, from the database COLMAP wrote, and the database COLMAP's importer makes from it.
mkdir -p "$out/colmap-text"
/usr/bin/python3 - "$out/colmap.db" "$out/colmap-text/camera-256x256.jpg.txt" <<'PY'
import math, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
(iid,) = db.execute("select image_id from images where name = 'camera-256x256.jpg'").fetchone()
rows, cols, kp = db.execute("select rows, cols, data from keypoints where image_id = ?", (iid,)).fetchone()
drows, dcols, desc = db.execute("select rows, cols, data from descriptors where image_id = ?", (iid,)).fetchone()
assert cols == 6 and dcols == 128 and drows == rows
with open(sys.argv[2], "w") as f:
    f.write(f"{rows} 128\n")
    for i in range(rows):
        x, y, a11, a12, a21, a22 = struct.unpack_from("<6f", kp, 24 * i)
        scale = (math.hypot(a11, a21) + math.hypot(a12, a22)) / 2  # COLMAP's ComputeScale
        angle = math.atan2(a21, a11)  # COLMAP's ComputeOrientation
        d = " ".join(str(b) for b in desc[128 * i : 128 * (i + 1)])
        f.write(f"{x!r} {y!r} {scale!r} {angle!r} {d}\n")
print(f"colmap text: {rows} keypoints")
PY
mkdir -p "$work/one"
cp tests/data/photos/camera-256x256.jpg "$work/one/"
rm -f "$out/colmap-imported.db"
colmap feature_importer --database_path "$out/colmap-imported.db" --image_path "$work/one" \
  --import_path "$out/colmap-text" > "$work/import.log" 2>&1 || { cat "$work/import.log"; exit 1; }
/usr/bin/python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=DELETE'); c.execute('vacuum'); c.close()" "$out/colmap-imported.db"
sqlite3 -version >/dev/null 2>&1 && sqlite3 "$out/colmap.db" "select name, rows from images join keypoints using(image_id)" || true
ls -l "$out"
