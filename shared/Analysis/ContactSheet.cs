using FeatureInversion.Features;
using FeatureInversion.Imaging;
using SkiaSharp;

namespace FeatureInversion.Analysis;

/// <summary>
/// A side-by-side PNG sheet with a header row naming its columns: one row per example with the original (the
/// decoder's input crop), a view of its features and the reconstruction. The feature view is
/// <see cref="FeatureEnergy"/>'s in gray levels (per-cell L2 norm over channels; for LBP, whose cells all have norm
/// one, the distance from the mean cell; for a vector, its channels): it shows where the representation carries
/// signal (for the sparse SIFT grid, where keypoints are) without pretending to be an image.
/// Cells are at least <see cref="MinCell"/> pixels (small crops are enlarged, nearest neighbour) so headers fit.
/// </summary>
public static class ContactSheet
{
    public const int MinCell = 128;
    public static IReadOnlyList<string> DefaultHeaders { get; } = ["decoder input", "feature energy", "reconstruction"];

    /// <summary>The sheet as PNG bytes.</summary>
    public static byte[] Render(
        IReadOnlyList<ColorImage> originals,
        IReadOnlyList<FeatureMap> features,
        IReadOnlyList<ColorImage> reconstructions,
        IReadOnlyList<string>? headers = null,
        int gap = 6
    )
    {
        if (originals.Count == 0 || originals.Count != features.Count || originals.Count != reconstructions.Count)
            throw new ArgumentException("Need the same, non-zero number of originals, features and reconstructions.");
        headers ??= DefaultHeaders;
        if (headers.Count != 3)
            throw new ArgumentException("Need three column headers.", nameof(headers));
        int size = originals[0].Width;
        return RenderGrid(
            headers,
            originals
                .Select(
                    (o, i) =>
                        (IReadOnlyList<ColorImage>)[o, FeatureEnergy.RenderGray(features[i], size), reconstructions[i]]
                )
                .ToList(),
            gap
        );
    }

    /// <summary>A grid of equally sized images under headed columns (the analyses' sheets), as PNG bytes.</summary>
    public static byte[] RenderGrid(
        IReadOnlyList<string> headers,
        IReadOnlyList<IReadOnlyList<ColorImage>> rows,
        int gap = 6
    )
    {
        if (rows.Count == 0 || rows.Any(r => r.Count != headers.Count))
            throw new ArgumentException("Every row needs one image per column header.", nameof(rows));
        int columns = headers.Count,
            size = rows[0][0].Width,
            cell = Math.Max(size, MinCell),
            header = 26;
        int width = columns * cell + (columns + 1) * gap,
            height = header + rows.Count * (cell + gap) + gap;
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var typeface = SKTypeface.FromFamilyName(ErrorCurvePlot.Font);
            using var font = new SKFont(typeface, 13);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            for (int c = 0; c < columns; c++)
                canvas.DrawText(
                    headers[c],
                    gap + c * (cell + gap) + cell / 2f,
                    header - 8,
                    SKTextAlign.Center,
                    font,
                    ink
                );
            for (int i = 0; i < rows.Count; i++)
            {
                int y = header + i * (cell + gap);
                for (int c = 0; c < columns; c++)
                {
                    using var image = SKImage.FromEncodedData(ImageFiles.EncodePng(rows[i][c]));
                    canvas.DrawImage(
                        image,
                        SKRect.Create(gap + c * (cell + gap), y, cell, cell),
                        new SKSamplingOptions(SKFilterMode.Nearest),
                        null
                    );
                }
            }
        }
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
