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
/// <para>
/// Maps whose image would pass <see cref="MaxTilePixels"/> are decoded in tiles: each tile's core is decoded with
/// 4 × <see cref="Multiple"/> cells of the map around it as context (32 HOG cells, 256 px) and only the core kept,
/// so the tiles meet without blending; how close that comes to one pass is measured in the tests.
/// </para>
/// </summary>
public static class WholeImageDecoding
{
    /// <summary>The largest image decoded in one pass (pixels): the 64-px decoders' activations at this size stay
    /// under about 1 GB. Larger images are tiled.</summary>
    public const long MaxTilePixels = 16L * 1024 * 1024;

    /// <summary>The largest image decoded at all (the result is held in memory as float planes: 12 bytes a
    /// pixel).</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    /// <summary>What the sides of the map must be multiples of, in cells.</summary>
    public static int Multiple(DecoderSpec spec)
    {
        if (spec.Layers.Any(l => l.Kind == LayerKind.Fc))
            throw new NotSupportedException(
                $"The {spec.Representation} decoder has fully connected layers: it decodes {spec.Input} maps only, "
                    + $"not whole images."
            );
        return spec.Layers.Where(l => l.Kind == LayerKind.Conv).Aggregate(1, (product, l) => product * l.Stride);
    }

    /// <summary>Image pixels per feature cell (8 for HOG, 4 for sparse SIFT, 16 for LBP).</summary>
    public static int CellPixels(DecoderSpec spec) => spec.ImageSize / spec.Input.Cols;

    /// <summary>
    /// The image <paramref name="map"/> describes, <paramref name="width"/> × <paramref name="height"/> pixels (at most
    /// the map's cells × <see cref="CellPixels"/>; that when null).
    /// </summary>
    public static ColorImage Decode(DecoderNetwork network, FeatureMap map, int? width = null, int? height = null) =>
        Decode(network, map, width, height, tileCells: null);

    /// <summary>As <see cref="Decode(DecoderNetwork, FeatureMap, int?, int?)"/>, in tiles of at most
    /// <paramref name="tileCells"/> × <paramref name="tileCells"/> cells (a multiple of <see cref="Multiple"/>; by
    /// default as large as <see cref="MaxTilePixels"/> allows).</summary>
    public static ColorImage Decode(DecoderNetwork network, FeatureMap map, int? width, int? height, int? tileCells)
    {
        var spec = network.Spec;
        if (map.Shape.Channels != spec.Input.Channels)
            throw new ArgumentException(
                $"Features have {map.Shape.Channels} channels, the {spec.Representation} decoder takes "
                    + $"{spec.Input.Channels}."
            );
        if (!FiniteValues.AreFinite(map.Data))
            throw new ArgumentException("Features contain NaN or infinite values; a decoder cannot invert them.");
        int multiple = Multiple(spec),
            cell = CellPixels(spec);
        int rows = (map.Shape.Rows + multiple - 1) / multiple * multiple,
            cols = (map.Shape.Cols + multiple - 1) / multiple * multiple;
        int w = width ?? map.Shape.Cols * cell,
            h = height ?? map.Shape.Rows * cell;
        if (w < 1 || h < 1 || w > map.Shape.Cols * cell || h > map.Shape.Rows * cell)
            throw new ArgumentException(
                $"A {map.Shape.Rows}×{map.Shape.Cols} map describes at most "
                    + $"{map.Shape.Cols * cell}x{map.Shape.Rows * cell} pixels, not {w}x{h}."
            );
        if ((long)rows * cols * cell * cell > MaxPixels)
            throw new ArgumentException(
                $"A {map.Shape.Rows}×{map.Shape.Cols} map decodes to {map.Shape.Cols * cell}x{map.Shape.Rows * cell} "
                    + $"pixels, over the {MaxPixels / (1024 * 1024)}-megapixel limit; decode it at a smaller working "
                    + $"scale."
            );
        int tile = tileCells ?? (int)Math.Sqrt(MaxTilePixels / (cell * cell)) / multiple * multiple;
        if (tile < 2 * Margin(multiple) + multiple || tile % multiple != 0)
            throw new ArgumentOutOfRangeException(
                nameof(tileCells),
                tile,
                $"Tiles must be a multiple of {multiple} cells and at least {2 * Margin(multiple) + multiple}."
            );
        if (map.Shape.Rows > tile || map.Shape.Cols > tile)
            return Tiled(network, map, tile, multiple, cell, w, h);
        return Crop(OnePass(network, map, multiple), cols * cell, rows * cell, w, h);
    }

    /// <summary>A checked map in one pass: padded to the stride multiple, decoded; the padded image's planes.</summary>
    private static float[] OnePass(DecoderNetwork network, FeatureMap map, int multiple)
    {
        int rows = (map.Shape.Rows + multiple - 1) / multiple * multiple,
            cols = (map.Shape.Cols + multiple - 1) / multiple * multiple;
        bool zeros = network.Spec.Representation.Decoder == DecoderLayout.Sift;
        return DecoderInference.RunAll(
            network,
            [map.Shape.Channels, rows, cols],
            1,
            (_, buffer) => Pad(map, rows, cols, zeros, buffer),
            batchSize: 1
        )[0];
    }

    /// <summary>Context each tile carries on every side, in cells: the decoders' receptive fields reach about this
    /// far. HOG tiles with this matched one pass within 1e-4 in pixel value; with half of it they differed by up to
    /// 0.046, and blended tiles with 16 cells of overlap but no context by a mean 0.04 (the tests).</summary>
    private static int Margin(int multiple) => 4 * multiple;

    /// <summary>Tiles whose cores partition the map, each decoded with <see cref="Margin"/> cells of context around
    /// its core (clipped at the map's edges) and only its core kept. Cores and margins are multiples of the strides,
    /// so every tile subsamples in the same phase as one pass would.</summary>
    private static ColorImage Tiled(
        DecoderNetwork network,
        FeatureMap map,
        int tile,
        int multiple,
        int cell,
        int width,
        int height
    )
    {
        int margin = Margin(multiple),
            core = tile - 2 * margin;
        var (channels, rows, cols) = (map.Shape.Channels, map.Shape.Rows, map.Shape.Cols);
        int fullWidth = cols * cell,
            fullHeight = rows * cell;
        var planes = new float[3 * fullWidth * fullHeight];
        for (int top = 0; top < rows; top += core)
        {
            for (int left = 0; left < cols; left += core)
            {
                int r0 = Math.Max(0, top - margin),
                    r1 = Math.Min(rows, top + core + margin);
                int c0 = Math.Max(0, left - margin),
                    c1 = Math.Min(cols, left + core + margin);
                var part = new FeatureMap(new FeatureShape(channels, r1 - r0, c1 - c0));
                for (int c = 0; c < channels; c++)
                for (int y = r0; y < r1; y++)
                    map.Data.AsSpan((c * rows + y) * cols + c0, c1 - c0)
                        .CopyTo(part.Data.AsSpan((c * (r1 - r0) + y - r0) * (c1 - c0), c1 - c0));
                // the padded tile: its width and height in cells rounded up
                var image = OnePass(network, part, multiple);
                int tw = (c1 - c0 + multiple - 1) / multiple * multiple * cell,
                    th = (r1 - r0 + multiple - 1) / multiple * multiple * cell;
                int coreWidth = (Math.Min(cols, left + core) - left) * cell,
                    coreHeight = (Math.Min(rows, top + core) - top) * cell;
                for (int c = 0; c < 3; c++)
                for (int y = 0; y < coreHeight; y++)
                    image
                        .AsSpan((c * th + (top - r0) * cell + y) * tw + (left - c0) * cell, coreWidth)
                        .CopyTo(planes.AsSpan((c * fullHeight + top * cell + y) * fullWidth + left * cell, coreWidth));
            }
        }
        return Crop(planes, fullWidth, fullHeight, width, height);
    }

    private static void Pad(FeatureMap map, int rows, int cols, bool zeros, Span<float> buffer)
    {
        var (c, r, k) = (map.Shape.Channels, map.Shape.Rows, map.Shape.Cols);
        if (zeros)
            buffer.Clear();
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < (zeros ? r : rows); y++)
            {
                var source = map.Data.AsSpan((ch * r + Math.Min(y, r - 1)) * k, k);
                var target = buffer.Slice((ch * rows + y) * cols, cols);
                source.CopyTo(target);
                if (!zeros)
                    target[k..].Fill(source[^1]);
            }
        }
    }

    private static ColorImage Crop(float[] planes, int fullWidth, int fullHeight, int width, int height)
    {
        if (width == fullWidth && height == fullHeight)
            return new ColorImage(width, height, planes);
        var cropped = new float[3 * width * height];
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < height; y++)
            planes
                .AsSpan((c * fullHeight + y) * fullWidth, width)
                .CopyTo(cropped.AsSpan((c * height + y) * width, width));
        return new ColorImage(width, height, cropped);
    }
}
