using FeatureInversion.Features.Sift;
using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Features.Sources;

/// <summary>
/// This project's own keypoint files (<c>features sift</c>): an N × 132 .npy, one row per oriented frame holding
/// x, y, scale, angle and the 128 descriptor values, already in VLFeat's conventions (<see cref="SiftFeature"/>).
/// The file holds no image size: it is given, or the keypoints' extent is used (and said).
/// </summary>
public static class SiftKeypointArray
{
    public const string SourceName = "SIFT keypoints (.npy, N×132)";
    public const int Columns = 4 + DescriptorConventions.Length;

    /// <summary>Whether an array has this layout (two dimensions, 132 columns).</summary>
    public static bool Fits(int[] shape) => shape is [_, Columns];

    public static DescriptorFile Read(
        string path,
        (int Width, int Height)? imageSize = null,
        DescriptorLimits? limits = null
    )
    {
        limits ??= DescriptorLimits.Default;
        string name = Path.GetFileName(path);
        var array = NpyFile.Load(path, (long)limits.MaxKeypoints * Columns);
        return FromArray(array, name, imageSize, limits);
    }

    public static DescriptorFile FromArray(
        NpyArray array,
        string name,
        (int Width, int Height)? imageSize,
        DescriptorLimits limits
    )
    {
        if (!Fits(array.Shape))
            throw new InvalidDataException(
                $"{name}: keypoints are ({string.Join(", ", array.Shape)}), expected N × {Columns} (x, y, scale, "
                    + $"angle, 128 descriptor values)."
            );
        int n = array.Shape[0];
        var notes = new List<string>();
        if (array.Conversion is { } c)
            notes.Add(c);
        var frames = new List<SiftFeature>(n);
        for (int i = 0; i < n; i++)
        {
            var row = array.Data.AsSpan(i * Columns, Columns);
            if (!(row[2] > 0))
                throw new InvalidDataException($"{name}: keypoint {i} has scale {row[2]} (scales are positive).");
            frames.Add(
                new SiftFeature(row[0], row[1], row[2], DescriptorConventions.WrapAngle(row[3]), row[4..].ToArray())
            );
        }
        var (width, height) = imageSize ?? KeypointSet.Extent(frames, notes);
        limits.CheckSize(name, width, height);
        return new DescriptorFile(
            SourceName,
            [new KeypointSet(Path.GetFileNameWithoutExtension(name), width, height, frames, SourceName, notes)],
            []
        );
    }
}
