using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Features.Sources;

/// <summary>
/// The descriptor-file readers, chosen by content (never by extension alone): a SQLite file is a COLMAP database,
/// a zip archive an OpenCV .npz, an N × 132 .npy this project's keypoint array, text starting "N 128" Lowe's .key or
/// COLMAP's feature text. Any other .npy is a dense feature map, not a descriptor file.
/// </summary>
public static class DescriptorFiles
{
    /// <summary>Extensions users give descriptor files (for listings and upload rules).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".db", ".npz", ".npy", ".key", ".txt"];

    /// <summary>Which reader a file's first bytes call for, or null when it is no descriptor file.</summary>
    public static string? Kind(string path)
    {
        Span<byte> head = stackalloc byte[48];
        int read;
        using (var stream = File.OpenRead(path))
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        if (ColmapDatabase.LooksLikeOne(head))
            return ColmapDatabase.SourceName;
        if (OpenCvSiftArchive.LooksLikeOne(head))
            return OpenCvSiftArchive.SourceName;
        if (NpyFile.HasMagic(head) && IsKeypointArray(path))
            return SiftKeypointArray.SourceName;
        if (SiftTextFile.LooksLikeOne(head))
            return SiftTextFile.SourceName;
        return null;
    }

    /// <summary>Whether a .npy is N × 132; any other (or a broken header) is left to the feature-map reader, which says
    /// what is wrong.</summary>
    private static bool IsKeypointArray(string path)
    {
        try
        {
            return SiftKeypointArray.Fits(NpyFile.Shape(path));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    public static DescriptorFile Read(
        string path,
        (int Width, int Height)? imageSize = null,
        DescriptorLimits? limits = null
    ) => Read(path, Kind(path), imageSize, limits);

    /// <summary>The same, for a file whose <see cref="Kind"/> the caller has sniffed already.</summary>
    public static DescriptorFile Read(
        string path,
        string? kind,
        (int Width, int Height)? imageSize = null,
        DescriptorLimits? limits = null
    ) =>
        kind switch
        {
            ColmapDatabase.SourceName => ColmapDatabase.Read(path, limits),
            OpenCvSiftArchive.SourceName => OpenCvSiftArchive.Read(path, imageSize, limits),
            SiftKeypointArray.SourceName => SiftKeypointArray.Read(path, imageSize, limits),
            SiftTextFile.SourceName => SiftTextFile.Read(path, imageSize, limits),
            _ => throw new InvalidDataException(
                $"{Path.GetFileName(path)}: not a descriptor file (a COLMAP database, an OpenCV SIFT .npz, an N × "
                    + $"132 keypoint .npy, a Lowe .key or COLMAP feature text)."
            ),
        };
}
