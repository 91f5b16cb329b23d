using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FeatureInversion.Features;
using FeatureInversion.Imaging;

namespace FeatureInversion.Training;

/// <summary>
/// Training or test pairs (grayscale features φ(x), colour image x) held in memory: images as 8-bit RGB planes,
/// features as float16 (the sparse SIFT grid is 133 × S/4 × S/4 per image). Features are computed in parallel,
/// one extractor per worker, and cached in a file keyed by everything that determines them, so later epochs
/// and later runs do not recompute them.
/// </summary>
public sealed class FeatureDataset
{
    private const string Magic = "FIDS1";

    private FeatureDataset(RepresentationDescriptor representation, FeatureShape shape, int imageSize, int count, byte[] images, Half[] features)
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
    public Half[] Features { get; }

    /// <summary>Builds the dataset for <paramref name="crops"/>, or loads it from <paramref name="cacheDirectory"/> when cached.</summary>
    public static FeatureDataset Build(RepresentationDescriptor representation, IReadOnlyList<ColorImage> crops, string? cacheDirectory, string cacheKey, int threads = 0)
    {
        if (crops.Count == 0) throw new ArgumentException("No images to build a dataset from.");
        int size = crops[0].Width;
        var shape = representation.OutputShape(size, size);
        string? cacheFile = null;
        if (cacheDirectory is not null)
        {
            string key = $"{representation.Name}|{JsonSerializer.Serialize(representation.Settings)}|{size}|{crops.Count}|{cacheKey}";
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
            cacheFile = Path.Combine(cacheDirectory, $"{representation.Name}-{size}-{crops.Count}-{hash}.bin");
            if (File.Exists(cacheFile)) return Read(cacheFile, representation, shape, size, crops.Count);
        }

        int plane = size * size;
        // Features and target images each live in one array: both must fit.
        long total = (long)crops.Count * shape.Length, pixels = (long)crops.Count * 3 * plane;
        if (total > Array.MaxLength || pixels > Array.MaxLength)
            throw new ArgumentException($"{crops.Count} crops of {size}px with {representation} features ({shape}) need {total:N0} feature values and {pixels:N0} pixel bytes, more than one array holds ({Array.MaxLength:N0}); use at most {Math.Min(Array.MaxLength / shape.Length, Array.MaxLength / (3L * plane))} samples.");
        var images = new byte[crops.Count * 3 * plane];
        var features = new Half[crops.Count * shape.Length];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, crops.Count, options,
            () => (Extractor: representation.Create(), Buffer: new float[shape.Length]),
            (i, _, state) =>
            {
                var crop = crops[i];
                if (crop.Width != size || crop.Height != size) throw new ArgumentException($"Crop {i} is {crop.Width}x{crop.Height}, expected {size}x{size}.");
                state.Extractor.Extract(crop.ToGray(), state.Buffer);
                var f = features.AsSpan(i * shape.Length, shape.Length);
                for (int k = 0; k < f.Length; k++) f[k] = (Half)state.Buffer[k];
                var img = images.AsSpan(i * 3 * plane, 3 * plane);
                for (int k = 0; k < img.Length; k++) img[k] = (byte)Math.Clamp(MathF.Round(crop.Planes[k] * 255f), 0f, 255f);
                return state;
            },
            _ => { });

        var dataset = new FeatureDataset(representation, shape, size, crops.Count, images, features);
        if (cacheFile is not null) dataset.Write(cacheFile);
        return dataset;
    }

    /// <summary>Copies samples <paramref name="indices"/> into float buffers (features B × C × h × w, images B × 3 × S × S in [0, 1]).</summary>
    public void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<float> images)
    {
        int f = Shape.Length, p = 3 * ImageSize * ImageSize;
        for (int b = 0; b < indices.Length; b++)
        {
            int i = indices[b];
            var src = Features.AsSpan(i * f, f);
            var dst = features.Slice(b * f, f);
            for (int k = 0; k < f; k++) dst[k] = (float)src[k];
            var img = Images.AsSpan(i * p, p);
            var to = images.Slice(b * p, p);
            for (int k = 0; k < p; k++) to[k] = img[k] * (1f / 255f);
        }
    }

    /// <summary>Copies the features of samples <paramref name="start"/> … into <paramref name="features"/> (as many as it holds).</summary>
    public void CopyFeatures(int start, Span<float> features)
    {
        var src = Features.AsSpan(start * Shape.Length, features.Length);
        for (int k = 0; k < src.Length; k++) features[k] = (float)src[k];
    }

    /// <summary>Copies the target images of samples <paramref name="start"/> … into <paramref name="images"/> as [0, 1] values.</summary>
    public void CopyImages(int start, Span<float> images)
    {
        var src = Images.AsSpan(start * 3 * ImageSize * ImageSize, images.Length);
        for (int k = 0; k < src.Length; k++) images[k] = src[k] * (1f / 255f);
    }

    private const int ChunkElements = 1 << 26;

    private void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            writer.Write(Representation.Name);
            writer.Write(ImageSize);
            writer.Write(Count);
            writer.Write(Shape.Length);
            writer.Write(Images);
            // In chunks: SIFT-grid features of 40k crops exceed 2 GB, more than one byte span can address.
            for (int start = 0; start < Features.Length; start += ChunkElements)
                writer.Write(MemoryMarshal.AsBytes(Features.AsSpan(start, Math.Min(ChunkElements, Features.Length - start))));
        }
        File.Move(temp, path, overwrite: true); // never leave a half-written cache behind
    }

    private static FeatureDataset Read(string path, RepresentationDescriptor representation, FeatureShape shape, int size, int count)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        if (reader.ReadString() != Magic || reader.ReadString() != representation.Name || reader.ReadInt32() != size
            || reader.ReadInt32() != count || reader.ReadInt32() != shape.Length)
            throw new InvalidDataException($"{path}: feature cache does not match; delete it to rebuild.");
        var images = reader.ReadBytes(count * 3 * size * size);
        var features = new Half[count * shape.Length];
        for (int start = 0; start < features.Length; start += ChunkElements)
            stream.ReadExactly(MemoryMarshal.AsBytes(features.AsSpan(start, Math.Min(ChunkElements, features.Length - start))));
        return new FeatureDataset(representation, shape, size, count, images, features);
    }
}
