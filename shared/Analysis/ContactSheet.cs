using FeatureInversion.Features;
using FeatureInversion.Imaging;

namespace FeatureInversion.Analysis;

/// <summary>
/// A side-by-side PNG sheet: one row per example with the original, a view of its features and the
/// reconstruction. The feature view is the per-cell L2 norm over channels, scaled to its maximum and enlarged
/// with nearest-neighbour sampling: it shows where the representation carries energy (for the sparse SIFT grid,
/// where keypoints are) without pretending to be an image.
/// </summary>
public static class ContactSheet
{
    public static ColorImage Build(IReadOnlyList<ColorImage> originals, IReadOnlyList<FeatureMap> features, IReadOnlyList<ColorImage> reconstructions, int gap = 4)
    {
        if (originals.Count == 0 || originals.Count != features.Count || originals.Count != reconstructions.Count)
            throw new ArgumentException("Need the same, non-zero number of originals, features and reconstructions.");
        int size = originals[0].Width;
        int width = 3 * size + 4 * gap, height = originals.Count * (size + gap) + gap;
        var sheet = new ColorImage(width, height);
        Array.Fill(sheet.Planes, 1f);
        for (int i = 0; i < originals.Count; i++)
        {
            int y = gap + i * (size + gap);
            Paste(sheet, originals[i], gap, y);
            Paste(sheet, FeatureView(features[i], size), 2 * gap + size, y);
            Paste(sheet, reconstructions[i].Width == size ? reconstructions[i] : ImageFiles.Resize(reconstructions[i], size, size), 3 * gap + 2 * size, y);
        }
        return sheet;
    }

    public static ColorImage FeatureView(FeatureMap map, int size)
    {
        var (c, rows, cols) = (map.Shape.Channels, map.Shape.Rows, map.Shape.Cols);
        var energy = new float[rows * cols];
        for (int k = 0; k < c; k++)
        {
            var channel = map.Channel(k);
            for (int i = 0; i < energy.Length; i++) energy[i] += channel[i] * channel[i];
        }
        float max = 0;
        for (int i = 0; i < energy.Length; i++) max = Math.Max(max, energy[i] = MathF.Sqrt(energy[i]));
        var view = new ColorImage(size, size);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                float v = max > 0 ? energy[Math.Min(rows - 1, y * rows / size) * cols + Math.Min(cols - 1, x * cols / size)] / max : 0;
                for (int ch = 0; ch < 3; ch++) view.Planes[(ch * size + y) * size + x] = v;
            }
        }
        return view;
    }

    private static void Paste(ColorImage sheet, ColorImage image, int left, int top)
    {
        for (int ch = 0; ch < 3; ch++)
        {
            for (int y = 0; y < image.Height; y++)
            {
                image.Planes.AsSpan((ch * image.Height + y) * image.Width, image.Width)
                    .CopyTo(sheet.Planes.AsSpan((ch * sheet.Height + top + y) * sheet.Width + left, image.Width));
            }
        }
    }
}
