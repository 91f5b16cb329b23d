using System.Globalization;
using FeatureInversion.Features.Sift;
using FeatureInversion.Imaging;

namespace FeatureInversion.Features;

/// <summary>
/// The sparse SIFT representation of Dosovitskiy &amp; Brox (CVPR 2016, §3): the image is split into cells of
/// 4×4 pixels; a cell holding a keypoint gets (f, x mod 4, y mod 4, sin α, cos α, log σ) — the 128-d descriptor,
/// the keypoint's position inside the cell, its orientation and the natural log of its scale in pixels — and
/// every other cell is zero, giving D + 5 = 133 channels.
/// </summary>
/// <remarks>
/// Keypoints are VLFeat-exact DoG SIFT (<see cref="SiftDetector"/>, paper settings). The grid has ⌈W/4⌉ × ⌈H/4⌉
/// cells so no keypoint is lost for sizes that are not multiples of 4. When several frames fall into one cell
/// (including one keypoint with several orientations) one of them is chosen uniformly at random with a
/// generator seeded per image from <see cref="Seed"/>, so extraction is deterministic.
/// </remarks>
public sealed class SparseSiftGrid : IFeatureRepresentation
{
    public const int CellSize = 4;
    public const int Dimension = SiftFeature.DescriptorLength + 5;

    private readonly SiftDetector _detector;
    private int[] _chosen = [];
    private int[] _count = [];

    public SparseSiftGrid(SiftOptions? options = null, int seed = 0)
        : this("sift-grid", options, seed, colmapDescriptors: false) { }

    private SparseSiftGrid(string name, SiftOptions? options, int seed, bool colmapDescriptors)
    {
        _detector = new SiftDetector(options);
        Seed = seed;
        Name = name;
        _colmapDescriptors = colmapDescriptors;
        var o = _detector.Options;
        var settings = new Dictionary<string, string>
        {
            ["cellSize"] = "4",
            ["firstOctave"] = o.FirstOctave.ToString(CultureInfo.InvariantCulture),
            ["levelsPerOctave"] = o.LevelsPerOctave.ToString(CultureInfo.InvariantCulture),
            ["peakThreshold"] = o.PeakThreshold.ToString(CultureInfo.InvariantCulture),
            ["edgeThreshold"] = o.EdgeThreshold.ToString(CultureInfo.InvariantCulture),
            ["magnification"] = o.Magnification.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
        };
        if (colmapDescriptors)
            settings["descriptors"] = "COLMAP L1-root uint8";
        Settings = settings;
    }

    /// <summary>
    /// The grid as a COLMAP 3.8 database would fill it (CPU extraction, default settings): first octave −1, peak
    /// threshold 0.02 / 3 on [0, 1] intensities (1.7 on the 0–255 scale fed here), edge threshold 10, and descriptors
    /// stored as COLMAP stores them (L1-root, ×512, rounded to uint8) and read back as
    /// <see cref="Sift.DescriptorConventions.FromColmap"/> reads them. For decoders of leaked COLMAP databases.
    /// COLMAP also keeps at most 2 orientations per keypoint and 8,192 keypoints per image; at the working
    /// resolution neither limit is reached often, and one frame per cell is drawn anyway.
    /// </summary>
    public static SparseSiftGrid Colmap(int seed = 0) =>
        new(
            "sift-grid-colmap",
            new SiftOptions
            {
                FirstOctave = -1,
                PeakThreshold = 0.02 / 3 * SiftDetector.IntensityScale,
                EdgeThreshold = 10,
            },
            seed,
            colmapDescriptors: true
        );

    /// <summary>
    /// The grid as OpenCV's <c>cv2.SIFT_create()</c> fills it with its defaults (4.6): the image doubled first (first
    /// octave −1), 3 levels per octave, contrast threshold 0.04 applied as 0.5 × 0.04 / 3 on [0, 1] intensities (the
    /// same 0.02 / 3 as COLMAP's), edge threshold 10, σ 1.6; descriptors in VLFeat's convention, as
    /// <see cref="Sources.OpenCvSiftArchive"/> maps OpenCV's onto it. For decoders of leaked OpenCV keypoint files.
    /// </summary>
    public static SparseSiftGrid OpenCv(int seed = 0) => new("sift-grid-opencv", OpenCvOptions, seed, false);

    /// <summary>The detector settings of <see cref="OpenCv"/>.</summary>
    public static SiftOptions OpenCvOptions =>
        new()
        {
            FirstOctave = -1,
            PeakThreshold = 0.5 * 0.04 / 3 * SiftDetector.IntensityScale,
            EdgeThreshold = 10,
        };

    private readonly bool _colmapDescriptors;

    public int Seed { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Settings { get; }

    public FeatureShape OutputShape(int width, int height)
    {
        FeatureInput.EnsureSize(Name, width, height, SiftDetector.MinimumSide);
        return new FeatureShape(Dimension, (height + CellSize - 1) / CellSize, (width + CellSize - 1) / CellSize);
    }

    public void Extract(GrayImage image, Span<float> output)
    {
        var shape = OutputShape(image.Width, image.Height);
        FeatureInput.Validate(Name, image, SiftDetector.MinimumSide, shape, output.Length);
        var frames = _detector.Detect(image);
        if (_colmapDescriptors)
            frames = frames
                .Select(f => f with { Descriptor = Sift.DescriptorConventions.ColmapRoundTrip(f.Descriptor) })
                .ToList();
        Rasterize(frames, shape, output);
    }

    /// <summary>Lays frames onto the grid; exposed so callers holding keypoints need not detect twice.</summary>
    public void Rasterize(IReadOnlyList<SiftFeature> frames, FeatureShape shape, Span<float> output)
    {
        int cells = shape.Rows * shape.Cols;
        if (_chosen.Length != cells)
        {
            _chosen = new int[cells];
            _count = new int[cells];
        }
        Array.Clear(_count);
        output.Clear();

        // Reservoir sampling per cell: the i-th frame to land in a cell replaces the choice with probability 1/i.
        var random = new Random(Seed);
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            int col = (int)MathF.Floor(f.X / CellSize),
                row = (int)MathF.Floor(f.Y / CellSize);
            if (col < 0 || row < 0 || col >= shape.Cols || row >= shape.Rows)
                continue;
            int cell = row * shape.Cols + col;
            if (random.Next(++_count[cell]) == 0)
                _chosen[cell] = i;
        }

        for (int cell = 0; cell < cells; cell++)
        {
            if (_count[cell] == 0)
                continue;
            var f = frames[_chosen[cell]];
            for (int d = 0; d < f.Descriptor.Length; d++)
                output[d * cells + cell] = f.Descriptor[d];
            int extra = SiftFeature.DescriptorLength * cells + cell;
            output[extra] = f.X - CellSize * MathF.Floor(f.X / CellSize);
            output[extra + cells] = f.Y - CellSize * MathF.Floor(f.Y / CellSize);
            output[extra + 2 * cells] = MathF.Sin(f.Angle);
            output[extra + 3 * cells] = MathF.Cos(f.Angle);
            output[extra + 4 * cells] = MathF.Log(f.Sigma);
        }
    }
}
