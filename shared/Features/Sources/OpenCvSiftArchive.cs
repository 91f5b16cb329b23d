using System.IO.Compression;
using FeatureInversion.Features.Sift;
using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Features.Sources;

/// <summary>
/// OpenCV SIFT output saved the usual Python way: <c>np.savez(path, keypoints=..., descriptors=...)</c> (or
/// <c>savez_compressed</c>), keypoints one row per <c>cv2.KeyPoint</c> starting (pt.x, pt.y, size, angle) — further
/// columns (response, octave, class_id) are ignored — and descriptors N × 128 (float32 as OpenCV returns them, or
/// float64/uint8). An optional <c>image_size</c> array (width, height) gives the photo's size; without it the size
/// must be given, or the keypoints' extent is used (and said).
/// <para>
/// Conventions mapped onto VLFeat's (measured with OpenCV 4.6's <c>SIFT_create()</c> defaults against this
/// project's VLFeat-exact SIFT on the same photo, docs/features.md): <c>size</c> is a diameter, twice the scale
/// (ratio 2.006, 10–90 % 1.98–2.07); <c>angle</c> in degrees is VLFeat's orientation (median difference 0.024 rad);
/// positions sit a quarter pixel right and below (measured +0.23, +0.25; OpenCV's doubled first octave maps pixel
/// centres so), subtracted here. Descriptors: <see cref="DescriptorConventions.FromUbcLinear"/>.
/// </para>
/// </summary>
public static class OpenCvSiftArchive
{
    public const string SourceName = "OpenCV SIFT (.npz)";

    /// <summary>Whether a file starts as zip archives (so .npz files) do.</summary>
    public static bool LooksLikeOne(ReadOnlySpan<byte> head) => head.StartsWith("PK\u0003\u0004"u8);

    public static DescriptorFile Read(
        string path,
        (int Width, int Height)? imageSize = null,
        DescriptorLimits? limits = null
    )
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path), imageSize, limits);
    }

    public static DescriptorFile Read(
        Stream stream,
        string name,
        (int Width, int Height)? imageSize = null,
        DescriptorLimits? limits = null
    )
    {
        limits ??= DescriptorLimits.Default;
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: not a readable .npz (zip) archive ({e.Message.TrimEnd('.')}).", e);
        }
        using (zip)
        {
            var keypoints = Array(zip, name, "keypoints", limits)
                ?? throw new InvalidDataException(
                    $"{name}: no 'keypoints' array (np.savez(..., keypoints=..., descriptors=...))."
                );
            var descriptors = Array(zip, name, "descriptors", limits)
                ?? throw new InvalidDataException($"{name}: no 'descriptors' array.");
            var size = Array(zip, name, "image_size", limits);
            if (keypoints.Shape is not [var n, >= 4])
                throw new InvalidDataException(
                    $"{name}: keypoints are ({string.Join(", ", keypoints.Shape)}), expected N × 4 or more (x, y, "
                        + $"size, angle, ...)."
                );
            if (descriptors.Shape is not [var m, DescriptorConventions.Length] || m != n)
                throw new InvalidDataException(
                    $"{name}: descriptors are ({string.Join(", ", descriptors.Shape)}), expected {n} × 128 for {n} "
                        + $"keypoints."
                );
            int cols = keypoints.Shape[1];
            var notes = new List<string>
            {
                "descriptors: OpenCV (UBC order, ×512) converted to VLFeat's L2 order; size/2 as scale, positions −¼ "
                    + "px",
            };
            foreach (var array in new[] { keypoints, descriptors })
                if (array.Conversion is { } c)
                    notes.Add(c);

            var frames = new List<SiftFeature>(n);
            for (int i = 0; i < n; i++)
            {
                float x = keypoints.Data[i * cols],
                    y = keypoints.Data[i * cols + 1],
                    diameter = keypoints.Data[i * cols + 2],
                    degrees = keypoints.Data[i * cols + 3];
                if (!(diameter > 0))
                    throw new InvalidDataException(
                        $"{name}: keypoint {i} has size {diameter} (OpenCV's size is a positive diameter)."
                    );
                frames.Add(
                    new SiftFeature(
                        x - 0.25f,
                        y - 0.25f,
                        diameter / 2,
                        DescriptorConventions.WrapAngle(degrees * Math.PI / 180),
                        DescriptorConventions.FromUbcLinear(
                            descriptors.Data.AsSpan(i * DescriptorConventions.Length, DescriptorConventions.Length)
                        )
                    )
                );
            }
            var (width, height) = imageSize ?? StoredSize(size, name) ?? KeypointSet.Extent(frames, notes);
            limits.CheckSize(name, width, height);
            string image = Path.GetFileNameWithoutExtension(name);
            return new DescriptorFile(
                SourceName,
                [new KeypointSet(image, width, height, frames, SourceName, notes)],
                []
            );
        }
    }

    private static (int, int)? StoredSize(NpyArray? size, string name)
    {
        if (size is null)
            return null;
        if (size.Data is not [var w, var h] || w != Math.Floor(w) || h != Math.Floor(h))
            throw new InvalidDataException($"{name}: image_size must hold two whole numbers (width, height).");
        return ((int)w, (int)h);
    }

    /// <summary>An array of the archive (numpy names its members "key.npy"), or null when absent.</summary>
    private static NpyArray? Array(ZipArchive zip, string name, string key, DescriptorLimits limits)
    {
        var entry = zip.GetEntry(key + ".npy");
        if (entry is null)
            return null;
        using var member = entry.Open();
        return NpyFile.Load(
            member,
            $"{name}[{key}]",
            maxValues: (long)limits.MaxKeypoints * DescriptorConventions.Length
        );
    }
}
