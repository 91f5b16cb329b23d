using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Models;

namespace FeatureInversion.Decoders.Inference;

/// <summary>
/// Decodes a feature map of any size into the whole image it describes. The convolutional decoders (the paper's
/// Tables 3–6) hold no layer tied to the training size: a stride-2 convolution halves a side, a 4×4 stride-2
/// up-convolution doubles it, so a map whose sides are multiples of the product of the strides (<see cref="Multiple"/>:
/// 8 cells for HOG, 16 for sparse SIFT, 4 for LBP) decodes to exactly (cell pixels) × its size, and the skip
/// connections line up. The map is padded up to that multiple (zeros for the sparse SIFT grid, where an empty cell
/// is zero; the edge values repeated for dense maps, so the border does not read as a flat region) and the image
/// cropped back. Decoded through <see cref="DecoderInference.Run"/>, so its finiteness checks and kernel fallback
/// apply. Decoders with fully connected layers (Table 7) work at one size only and are refused.
/// </summary>
public static class WholeImageDecoding
{
    /// <summary>The largest image decoded in one pass (pixels): the 64-px decoders' activations at this size stay
    /// under about 1 GB.</summary>
    public const long MaxPixels = 16L * 1024 * 1024;

    /// <summary>What the sides of the map must be multiples of, in cells.</summary>
    public static int Multiple(DecoderSpec spec)
    {
        if (spec.Layers.Any(l => l.Kind == LayerKind.Fc))
            throw new NotSupportedException($"The {spec.Representation} decoder has fully connected layers: it decodes {spec.Input} maps only, not whole images.");
        return spec.Layers.Where(l => l.Kind == LayerKind.Conv).Aggregate(1, (product, l) => product * l.Stride);
    }

    /// <summary>Image pixels per feature cell (8 for HOG, 4 for sparse SIFT, 16 for LBP).</summary>
    public static int CellPixels(DecoderSpec spec) => spec.ImageSize / spec.Input.Cols;

    /// <summary>
    /// The image <paramref name="map"/> describes, <paramref name="width"/> × <paramref name="height"/> pixels (at most
    /// the map's cells × <see cref="CellPixels"/>; that when null).
    /// </summary>
    public static ColorImage Decode(DecoderNetwork network, FeatureMap map, int? width = null, int? height = null)
    {
        var spec = network.Spec;
        if (map.Shape.Channels != spec.Input.Channels)
            throw new ArgumentException($"Features have {map.Shape.Channels} channels, the {spec.Representation} decoder takes {spec.Input.Channels}.");
        if (!FiniteValues.AreFinite(map.Data)) throw new ArgumentException("Features contain NaN or infinite values; a decoder cannot invert them.");
        int multiple = Multiple(spec), cell = CellPixels(spec);
        int rows = (map.Shape.Rows + multiple - 1) / multiple * multiple, cols = (map.Shape.Cols + multiple - 1) / multiple * multiple;
        int w = width ?? map.Shape.Cols * cell, h = height ?? map.Shape.Rows * cell;
        if (w < 1 || h < 1 || w > map.Shape.Cols * cell || h > map.Shape.Rows * cell)
            throw new ArgumentException($"A {map.Shape.Rows}×{map.Shape.Cols} map describes at most {map.Shape.Cols * cell}x{map.Shape.Rows * cell} pixels, not {w}x{h}.");
        if ((long)rows * cols * cell * cell > MaxPixels)
            throw new ArgumentException($"A {map.Shape.Rows}×{map.Shape.Cols} map decodes to {map.Shape.Cols * cell}x{map.Shape.Rows * cell} pixels, over the {MaxPixels / (1024 * 1024)}-megapixel limit of one pass; decode it at a smaller working scale.");

        bool zeros = spec.Representation.Decoder == DecoderLayout.Sift;
        var planes = DecoderInference.RunAll(network, [map.Shape.Channels, rows, cols], 1, (_, buffer) => Pad(map, rows, cols, zeros, buffer), batchSize: 1)[0];
        return Crop(planes, cols * cell, rows * cell, w, h);
    }

    private static void Pad(FeatureMap map, int rows, int cols, bool zeros, Span<float> buffer)
    {
        var (c, r, k) = (map.Shape.Channels, map.Shape.Rows, map.Shape.Cols);
        if (zeros) buffer.Clear();
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < (zeros ? r : rows); y++)
            {
                var source = map.Data.AsSpan((ch * r + Math.Min(y, r - 1)) * k, k);
                var target = buffer.Slice((ch * rows + y) * cols, cols);
                source.CopyTo(target);
                if (!zeros) target[k..].Fill(source[^1]);
            }
        }
    }

    private static ColorImage Crop(float[] planes, int fullWidth, int fullHeight, int width, int height)
    {
        if (width == fullWidth && height == fullHeight) return new ColorImage(width, height, planes);
        var cropped = new float[3 * width * height];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                planes.AsSpan((c * fullHeight + y) * fullWidth, width).CopyTo(cropped.AsSpan((c * height + y) * width, width));
        return new ColorImage(width, height, cropped);
    }
}
