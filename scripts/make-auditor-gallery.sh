#!/usr/bin/env bash
# Makes docs/img/auditor-gallery.png: README's auditor quick start run on the test photos and the fixtures the real
# tools made (scripts/make-descriptor-fixtures.sh), photographed by headless Chromium.
#   bash scripts/make-auditor-gallery.sh [OUT_PNG]      (default docs/img/auditor-gallery.png; needs chromium)
# The folder holds four photos and, beside them, what leaked of three of them: COLMAP's database of the astronaut and
# the camera (its images named as the photos), OpenCV's SIFT of the coffee photo (coffee-480x320.npz) and the
# whole-photo HOG map of the cat (chelsea-451x300.npy). Each file is decoded whole, scored against its photo and
# re-identified among the four.
set -euo pipefail
cd "$(dirname "$0")/.."
png=${1:-docs/img/auditor-gallery.png}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/leak"
for p in astronaut-300x300 camera-256x256 coffee-480x320 chelsea-451x300; do cp "tests/data/photos/$p.jpg" "$work/leak/"; done
cp tests/data/fixtures/descriptors/colmap.db "$work/leak/database.db"
cp tests/data/fixtures/descriptors/opencv-sift.npz "$work/leak/coffee-480x320.npz"
cli=(dotnet run --project trainer -c Release --)
"${cli[@]}" features hog tests/data/photos/chelsea-451x300.jpg -o "$work/leak/chelsea-451x300.npy"
"${cli[@]}" pipeline "$work/leak" --out "$work/out" --batch leak --quiet
page=$(find "$work/out" -path '*/leak/index.html' | head -1)
chromium --headless=new --no-sandbox --hide-scrollbars --window-size=1500,1900 --screenshot="$png" "file://$page" 2>/dev/null
echo "wrote $png from $page"
