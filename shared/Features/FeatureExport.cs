using FeatureInversion.Features.Sift;
using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Features;

/// <summary>Computes a representation of an image file and writes it as a float32 <c>.npy</c> array.</summary>
public static class FeatureExport
{
    /// <summary>Name accepted besides the dense representations: raw SIFT frames as an N × (4 + 128) array.</summary>
    public const string SiftKeypoints = "sift";

    /// <summary>Every name <see cref="Write"/> accepts with <paramref name="registry"/>: its dense representations and
    /// <c>sift</c>.</summary>
    public static IReadOnlyList<string> Names(RepresentationRegistry registry) => [.. registry.Names, SiftKeypoints];

    /// <summary>Working memory one extraction may take beyond the process's own (the CLI's target is 600 MB in
    /// all).</summary>
    public const long DefaultMemoryBudget = 512L * 1024 * 1024;

    /// <summary>SIFT frames on the whole image: measured about 80 bytes per pixel (scale space and
    /// gradients).</summary>
    private const double SiftBytesPerPixel = 85;

    /// <summary>The image limits for full-resolution features of a representation: the default limits, with the pixel
    /// count lowered to what its working memory allows within the budget (sift-grid: about 4.5 megapixels).</summary>
    public static ImageLimits LimitsFor(
        RepresentationDescriptor? descriptor,
        long memoryBudgetBytes = DefaultMemoryBudget
    )
    {
        double perPixel = descriptor?.WorkingBytesPerPixel ?? SiftBytesPerPixel;
        long pixels = (long)(memoryBudgetBytes / (perPixel + 3)); // + the decoded 8-bit pixels
        return pixels >= ImageLimits.Default.MaxPixels
            ? ImageLimits.Default
            : ImageLimits.Default with
            {
                MaxPixels = pixels,
                Context =
                    $"for {descriptor?.Name ?? SiftKeypoints} at full resolution (about {perPixel:F0} bytes per "
                    + $"pixel; resize the image first)",
            };
    }

    /// <summary>
    /// Writes the features of <paramref name="imagePath"/>: dense representations as channels × rows × cols;
    /// <c>sift</c> as one row per oriented frame holding x, y, scale, angle and the 128 descriptor values.
    /// Returns the array's shape.
    /// </summary>
    public static int[] Write(
        RepresentationRegistry registry,
        string representation,
        string imagePath,
        string outputPath,
        long memoryBudgetBytes = DefaultMemoryBudget
    )
    {
        var descriptor = representation.Equals(SiftKeypoints, StringComparison.OrdinalIgnoreCase)
            ? null
            : registry.Get(representation); // unknown names fail before decoding
        var gray = ImageFiles.LoadGray(imagePath, LimitsFor(descriptor, memoryBudgetBytes));
        string file = Path.GetFileName(imagePath);
        if (descriptor is not null)
            descriptor.EnsureAccepts(file, gray.Width, gray.Height);
        else
            FeatureInput.ForFile(file, () =>
                FeatureInput.EnsureSize(SiftKeypoints, gray.Width, gray.Height, Sift.SiftDetector.MinimumSide)
            );
        if (descriptor is null)
        {
            var frames = new SiftDetector().Detect(gray);
            const int width = 4 + SiftFeature.DescriptorLength;
            var data = new float[frames.Count * width];
            for (int i = 0; i < frames.Count; i++)
            {
                var f = frames[i];
                var row = data.AsSpan(i * width, width);
                row[0] = f.X;
                row[1] = f.Y;
                row[2] = f.Sigma;
                row[3] = f.Angle;
                f.Descriptor.CopyTo(row[4..]);
            }
            int[] shape = [frames.Count, width];
            NpyFile.Write(outputPath, data, shape);
            return shape;
        }

        using var extractor = descriptor.Create();
        var map = extractor.Extract(gray);
        int[] dims = [map.Shape.Channels, map.Shape.Rows, map.Shape.Cols];
        NpyFile.Write(outputPath, map.Data, dims);
        return dims;
    }
}
