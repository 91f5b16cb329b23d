using FeatureInversion.Features.Sift;

namespace FeatureInversion.Tests.Features.Sources;

/// <summary>
/// The descriptor files made by the real tools (scripts/make-descriptor-fixtures.sh: COLMAP 3.8's CPU
/// feature_extractor with default settings on camera and astronaut, OpenCV 4.6's SIFT_create() on coffee), and the
/// comparison of a file's keypoints with this project's VLFeat-exact SIFT of the same photo.
/// </summary>
internal static class DescriptorFixtures
{
    public static string Folder => Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors");
    public static string Colmap => Path.Combine(Folder, "colmap.db");
    public static string OpenCv => Path.Combine(Folder, "opencv-sift.npz");

    /// <summary>camera-256x256.jpg's features in <see cref="Colmap"/> as COLMAP's feature text.</summary>
    public static string ColmapText => Path.Combine(Folder, "colmap-text", "camera-256x256.jpg.txt");

    /// <summary>The database `colmap feature_importer` made from <see cref="ColmapText"/>.</summary>
    public static string ColmapImported => Path.Combine(Folder, "colmap-imported.db");

    /// <summary>A copy of a fixture in a temporary folder (for files the test alters).</summary>
    public static string CopyOf(string fixture, string folder)
    {
        string path = Path.Combine(folder, Path.GetFileName(fixture));
        File.Copy(fixture, path, overwrite: true);
        return path;
    }

    /// <summary>Pairs each of <paramref name="theirs"/> with the VLFeat keypoint nearest in position (within
    /// <paramref name="radius"/> px) whose orientation agrees within 0.05 rad (one keypoint can have
    /// several).</summary>
    public static List<(SiftFeature Theirs, SiftFeature Ours)> Match(
        IReadOnlyList<SiftFeature> theirs,
        IReadOnlyList<SiftFeature> ours,
        double radius
    )
    {
        var pairs = new List<(SiftFeature, SiftFeature)>();
        foreach (var t in theirs)
        {
            var best = ours.Where(o => Math.Abs(AngleDifference(o.Angle, t.Angle)) < 0.05)
                .Select(o => (o, d: Math.Sqrt((o.X - t.X) * (o.X - t.X) + (o.Y - t.Y) * (o.Y - t.Y))))
                .OrderBy(p => p.d)
                .FirstOrDefault();
            if (best.o is not null && best.d <= radius)
                pairs.Add((t, best.o));
        }
        return pairs;
    }

    public static double AngleDifference(double a, double b) => Math.IEEERemainder(a - b, 2 * Math.PI);

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0,
            na = 0,
            nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
