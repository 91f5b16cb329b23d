using FeatureInversion.Features;
using FeatureInversion.Imaging;

namespace FeatureInversion.Training.Data;

/// <summary>
/// A fixed, in-memory set of (grayscale features φ(x), colour image x) pairs: the test crops every evaluation uses
/// (a few hundred at most; training streams its data through <see cref="StreamingBatches"/>). Images are 8-bit RGB
/// planes, features float32; features are computed in parallel, one extractor per worker.
/// </summary>
public sealed class FeatureDataset
{
    private FeatureDataset(
        RepresentationDescriptor representation,
        FeatureShape shape,
        int imageSize,
        int count,
        byte[] images,
        float[] features
    )
    {
        Representation = representation;
        Shape = shape;
        ImageSize = imageSize;
        Count = count;
        Images = images;
        Features = features;
    }

    public RepresentationDescriptor Representation { get; }

    public FeatureShape Shape { get; }

    public int ImageSize { get; }

    public int Count { get; }

    /// <summary>Image i, channel c, pixel p at <c>[(i * 3 + c) * S² + p]</c>.</summary>
    public byte[] Images { get; }

    /// <summary>Features of sample i at <c>[i * Shape.Length ..]</c>.</summary>
    public float[] Features { get; }

    /// <summary>Computes the features of <paramref name="crops"/> (all square, of one size).</summary>
    public static FeatureDataset Build(
        RepresentationDescriptor representation,
        IReadOnlyList<ColorImage> crops,
        int threads = 0
    )
    {
        if (crops.Count == 0)
            throw new ArgumentException("No images to build a dataset from.");
        int size = crops[0].Width;
        var shape = representation.OutputShape(size, size);
        int plane = size * size;
        long total = (long)crops.Count * shape.Length,
            pixels = (long)crops.Count * 3 * plane;
        if (total > Array.MaxLength || pixels > Array.MaxLength)
            throw new ArgumentException(
                $"{crops.Count} crops of {size}px with {representation} features ({shape}) are too many for an "
                    + $"in-memory test set; use fewer test photos or crops per photo."
            );
        var images = new byte[crops.Count * 3 * plane];
        var features = new float[crops.Count * shape.Length];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount,
        };
        Parallel.For(
            0,
            crops.Count,
            options,
            () => representation.Create(),
            (i, _, extractor) =>
            {
                var crop = crops[i];
                if (crop.Width != size || crop.Height != size)
                    throw new ArgumentException($"Crop {i} is {crop.Width}x{crop.Height}, expected {size}x{size}.");
                extractor.Extract(crop.ToGray(), features.AsSpan(i * shape.Length, shape.Length));
                var img = images.AsSpan(i * 3 * plane, 3 * plane);
                for (int k = 0; k < img.Length; k++)
                    img[k] = Rgb24Pixels.ToByte(crop.Planes[k]);
                return extractor;
            },
            extractor => extractor.Dispose()
        );
        return new FeatureDataset(representation, shape, size, crops.Count, images, features);
    }

    /// <summary>Copies samples <paramref name="indices"/> into float buffers (features B × C × h × w, images B × 3 × S
    /// × S in [0, 1]).</summary>
    public void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> images)
    {
        int f = Shape.Length,
            p = 3 * ImageSize * ImageSize;
        for (int b = 0; b < indices.Length; b++)
        {
            int i = indices[b];
            Features.AsSpan(i * f, f).CopyTo(features.Slice(b * f, f));
            var img = Images.AsSpan(i * p, p);
            var to = images.Slice(b * p, p);
            for (int k = 0; k < p; k++)
                to[k] = img[k] * (1f / 255f);
        }
    }

    /// <summary>Copies the features of samples <paramref name="start"/> … into <paramref name="features"/> (as many as
    /// it holds).</summary>
    public void CopyFeatures(int start, Span<float> features) =>
        Features.AsSpan(start * Shape.Length, features.Length).CopyTo(features);

    /// <summary>Copies the target images of samples <paramref name="start"/> … into <paramref name="images"/> as [0, 1]
    /// values.</summary>
    public void CopyImages(int start, Span<float> images)
    {
        var src = Images.AsSpan(start * 3 * ImageSize * ImageSize, images.Length);
        for (int k = 0; k < src.Length; k++)
            images[k] = src[k] * (1f / 255f);
    }

    /// <summary>Target image i as [0, 1] planar RGB.</summary>
    public float[] Target(int i)
    {
        var image = new float[3 * ImageSize * ImageSize];
        CopyImages(i, image);
        return image;
    }
}
