#!/usr/bin/env bash
# Makes the leaked-descriptor fixtures with the real tools (run by hand; CI only reads what it made):
#   bash scripts/make-descriptor-fixtures.sh [OUT_DIR]      (default tests/data/fixtures/descriptors)
# Needs Debian's colmap 3.8 and python3-opencv (apt-get install colmap python3-opencv).
#   colmap.db        COLMAP `feature_extractor`, CPU SIFT, default settings, on two test photos
#   opencv-sift.npz  cv2.SIFT_create() defaults on one test photo, saved the usual Python way:
#                    np.savez(keypoints=[[x, y, size, angle], ...] float32, descriptors=N×128 float32)
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
sqlite3 -version >/dev/null 2>&1 && sqlite3 "$out/colmap.db" "select name, rows from images join keypoints using(image_id)" || true
ls -l "$out"
