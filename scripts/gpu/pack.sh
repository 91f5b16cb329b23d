#!/usr/bin/env bash
# Stages what one GPU round carries (issues 30 and 32) in .gpu/ (ignored by git, named in the device call's carry):
#   app.tar.xz         self-contained linux-x64 publish of the trainer, trimmed (partial), without libtorch's native
#                      files (the machine's PyTorch provides libtorch; the round builds LibTorchSharp against it)
#   native-src.tar.xz  TorchSharp 0.107.0's src/Native (LibTorchSharp) and licence, from a fetched dotnet/TorchSharp
#   exports.txt        the functions the NuGet libLibTorchSharp.so 0.107.0 exports (the build is checked against it)
#   models.tar.xz      the shipped decoders whose parity the round checks (features computable there; see docs/gpu.md)
#   photos/            data/photos scaled to a short side of 320 px (scripts/gpu/pack-photos.py)
#   campaign/          optional: the last round's HOG 256-px checkpoint, brought back (half precision), to resume
# Then: bash scripts/gpu/travel.sh start (the tree that travels), the device call, bash scripts/gpu/travel.sh end.
# Usage: TORCHSHARP_SRC=/work/.mirror/dotnet+TorchSharp/repo bash scripts/gpu/pack.sh [CAMPAIGN_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
STAGE=.gpu
SRC=${TORCHSHARP_SRC:?set TORCHSHARP_SRC to a git mirror of dotnet/TorchSharp (the fetch tool: github:dotnet/TorchSharp)}
MODELS=${PARITY_MODELS:-"models/hog-64px-w0.25 models/lbp-64px-w0.25 models/sift-grid-64px-w0.25 models/128px/hog-128px-w0.25"}
PHOTOS=${PHOTOS:-data/photos}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

version=$(git -C "$SRC" show HEAD:build/BranchInfo.props | sed -n 's/.*<\(Major\|Minor\|Patch\)Version>\([0-9]*\)<.*/\2/p' | paste -sd.)
[ "$version" = "0.107.0" ] || { echo "TorchSharp sources are $version, the app uses 0.107.0" >&2; exit 1; }
[ -d "$PHOTOS/train" ] && [ -d "$PHOTOS/test" ] || { echo "no $PHOTOS/train and test: bash scripts/fetch-photos.sh $PHOTOS" >&2; exit 1; }

rm -rf "$STAGE" && mkdir -p "$STAGE"
echo "publishing the trainer (self-contained, trimmed)…"
dotnet publish trainer -c Release -r linux-x64 --self-contained -p:PublishTrimmed=true -p:TrimMode=partial \
    -p:TreatWarningsAsErrors=false -p:SuppressTrimAnalysisWarnings=true \
    -p:JsonSerializerIsReflectionEnabledByDefault=true -o "$TMP/app" > "$TMP/publish.log" 2>&1 \
    || { tail -20 "$TMP/publish.log" >&2; exit 1; }
# libtorch, LibTorchSharp and the debugger's helpers stay behind; SkiaSharp/HarfBuzz (plots) are not used there
(cd "$TMP/app" && rm -f libtorch*.so libc10.so libgomp-*.so.1 libLibTorchSharp.so libaoti_custom_ops.so \
    libbackend_with_compiler.so libjitbackend_test.so libnnapi_backend.so libshm.so libtorchbind_test.so \
    libmscordaccore.so libmscordbi.so createdump libSkiaSharp.so libHarfBuzzSharp.so)
tar -C "$TMP/app" -cf - . | xz -6 -T2 > "$STAGE/app.tar.xz"

git -C "$SRC" archive --prefix=TorchSharp/ HEAD src/Native/LibTorchSharp src/Native/Stdafx.h src/Native/UnixSal.h \
    LICENSE.txt | xz -9 > "$STAGE/native-src.tar.xz"
nm -D --defined-only "$HOME/.nuget/packages/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so" \
    | awk '$2 == "T" { print $3 }' | sort > "$STAGE/exports.txt"

tar -cf - $MODELS | xz -6 -T2 > "$STAGE/models.tar.xz"
/usr/bin/python3 scripts/gpu/pack-photos.py "$PHOTOS/train" "$STAGE/photos/train" 320 85
/usr/bin/python3 scripts/gpu/pack-photos.py "$PHOTOS/test" "$STAGE/photos/test" 320 85
if [ $# -ge 1 ]; then
    mkdir -p "$STAGE/campaign" && cp "$1"/manifest.json "$1"/weights-f16.* "$1"/mean-image.png "$STAGE/campaign/"
fi
du -b --max-depth=1 "$STAGE" | sort -n
echo "staged in $STAGE: $(du -sb "$STAGE" | cut -f1) bytes"
