using FeatureInversion.Features.Sift;

namespace FeatureInversion.Features.Sources;

/// <summary>
/// The SIFT keypoints of one image as another tool stored them, already converted to this project's (VLFeat's)
/// conventions (<see cref="SiftFeature"/>): what a leaked descriptor file holds for one photo.
/// </summary>
/// <param name="Name">The image's name in the file (COLMAP's image name; the file name otherwise).</param>
/// <param name="Width">The image's width in pixels, as the file states it or as given by the user.</param>
/// <param name="Height">The image's height in pixels.</param>
/// <param name="Frames">The keypoints, in VLFeat's conventions.</param>
/// <param name="Source">What made the file, for reports ("COLMAP database", "OpenCV SIFT (.npz)").</param>
/// <param name="Notes">Conversions and assumptions the user should know of.</param>
public sealed record KeypointSet(
    string Name,
    int Width,
    int Height,
    IReadOnlyList<SiftFeature> Frames,
    string Source,
    IReadOnlyList<string> Notes
)
{
    /// <summary>
    /// The keypoints of the image resized by <paramref name="scale"/>: positions with pixel centres kept aligned
    /// ((x + ½)·s − ½) and scales multiplied. Keypoints too small to survive the resize are kept: a grid cell holds
    /// one keypoint whatever its scale.
    /// </summary>
    public KeypointSet Scaled(double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Scale must be positive.");
        float s = (float)scale;
        var frames = Frames
            .Select(f => f with { X = (f.X + 0.5f) * s - 0.5f, Y = (f.Y + 0.5f) * s - 0.5f, Sigma = f.Sigma * s })
            .ToList();
        return this with
        {
            Width = Math.Max(1, (int)Math.Round(Width * scale)),
            Height = Math.Max(1, (int)Math.Round(Height * scale)),
            Frames = frames,
        };
    }

    /// <summary>
    /// Only the keypoints the detector could have found at this resolution: scale at least
    /// <paramref name="smallestScale"/> (<see cref="SiftDetector.SmallestScale"/>). A photo's full-resolution
    /// keypoints resized to a decoder's working resolution are mostly smaller than any its training photos held.
    /// </summary>
    public KeypointSet Detectable(double smallestScale) =>
        this with
        {
            Frames = Frames.Where(f => f.Sigma >= smallestScale).ToList(),
        };

    /// <summary>The sparse SIFT grid of these keypoints (<see cref="SparseSiftGrid.Rasterize"/>), at the set's
    /// size.</summary>
    public FeatureMap ToGrid(int seed = 0)
    {
        var grid = new SparseSiftGrid(seed: seed);
        var shape = new FeatureShape(
            SparseSiftGrid.Dimension,
            (Height + SparseSiftGrid.CellSize - 1) / SparseSiftGrid.CellSize,
            (Width + SparseSiftGrid.CellSize - 1) / SparseSiftGrid.CellSize
        );
        var map = new FeatureMap(shape);
        grid.Rasterize(Frames, shape, map.Data);
        return map;
    }

    /// <summary>The image size of a file that does not store it: the keypoints' extent, said in
    /// <paramref name="notes"/> (a size the user gives frames the image faithfully).</summary>
    public static (int Width, int Height) Extent(IReadOnlyList<SiftFeature> frames, List<string> notes)
    {
        int width = frames.Count == 0 ? 1 : Math.Max(1, (int)Math.Ceiling(frames.Max(f => f.X) + 1));
        int height = frames.Count == 0 ? 1 : Math.Max(1, (int)Math.Ceiling(frames.Max(f => f.Y) + 1));
        notes.Add(
            $"image size not stored: taken as the keypoints' extent, {width}x{height} (give the size for a faithful "
                + $"frame)"
        );
        return (width, height);
    }
}
