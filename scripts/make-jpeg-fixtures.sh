#!/usr/bin/env bash
# Makes the JPEG fixtures of the completeness walk with libjpeg (through python3-opencv; run by hand, CI only reads
# what it made; ImageSharp 2.1, which the tests use, writes neither kind):
#   bash scripts/make-jpeg-fixtures.sh [OUT_DIR]      (default tests/data/fixtures/jpeg)
#   progressive-coffee.jpg   coffee-480x320.jpg re-encoded progressive (spectral selection and successive
#                            approximation: DC, AC first and AC refinement scans), quality 90, 4:2:0
#   restart-coffee.jpg       the same photo baseline with a restart marker every 4 MCU rows
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-tests/data/fixtures/jpeg}
mkdir -p "$out"
/usr/bin/python3 - "$out" <<'PY'
import sys, cv2
out = sys.argv[1]
image = cv2.imread("tests/data/photos/coffee-480x320.jpg", cv2.IMREAD_COLOR)
cv2.imwrite(f"{out}/progressive-coffee.jpg", image,
            [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
cv2.imwrite(f"{out}/restart-coffee.jpg", image,
            [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_RST_INTERVAL, 4 * 30])
print(f"opencv {cv2.__version__}: wrote {out}/progressive-coffee.jpg and {out}/restart-coffee.jpg")
PY
