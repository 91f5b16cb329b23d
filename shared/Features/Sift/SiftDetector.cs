using FeatureInversion.Imaging;

namespace FeatureInversion.Features.Sift;

/// <summary>
/// SIFT (Lowe, IJCV 2004) as implemented by VLFeat 0.9.21 <c>vl_sift</c>: a Gaussian scale space with levels
/// s = −1 … S + 1 per octave, difference-of-Gaussian extrema over 3×3×3 neighbourhoods, quadratic sub-pixel
/// refinement with edge rejection, up to four orientations per keypoint from a 36-bin histogram, and 4×4×8
/// descriptors with trilinear binning.
/// </summary>
/// <remarks>
/// <para>Conventions are VLFeat's C API on a row-major image: x along columns, y down, angles in radians
/// towards +y. Intensities are taken in the 0–255 range (the input [0, 1] image is scaled by 255), as
/// <c>vl_sift</c> is usually fed; only the peak threshold and VLFeat's tiny-gradient cut-off depend on it.</para>
/// <para>Scale space: nominal input blur 0.5, σ0 = 1.6·2^(1/S); level s of octave o has σ = σ0·2^(o + s/S).
/// Each octave starts from level S − 1 of the previous one subsampled by 2. Octaves =
/// max(⌊log2 min(W, H)⌋ − o_min − 3, 1) unless set.</para>
/// <para>Output order is VLFeat's: octave by octave, keypoints in detection order (level, row, column), each
/// keypoint once per orientation. Not thread-safe; buffers are reused across images.</para>
/// </remarks>
public sealed partial class SiftDetector
{
    /// <summary>Intensity scale applied to the [0, 1] input (VLFeat's customary 0–255 input range).</summary>
    public const float IntensityScale = 255f;

    private const double LogOfTwo = 0.693147180559945; // VL_LOG_OF_2, so octave counts round as VLFeat's

    private readonly GaussianSmoother _smoother = new();
    private readonly List<Keypoint> _keypoints = [];

    // Scale space of the current octave: levels s_min..s_max, DoG s_min..s_max−1, gradients s_min+1..s_max−2.
    private float[][] _levels = [];
    private float[][] _dog = [];
    private float[][] _magnitude = [];
    private float[][] _angle = [];
    private float[] _temp = [];
    private int _capacity;

    public SiftDetector(SiftOptions? options = null)
    {
        Options = options ?? new SiftOptions();
        Options.Validate();
        Sigmak = Math.Pow(2.0, 1.0 / S);
        Sigma0 = 1.6 * Sigmak;
        DeltaSigma0 = Sigma0 * Math.Sqrt(1.0 - 1.0 / (Sigmak * Sigmak));
    }

    public SiftOptions Options { get; }

    private int S => Options.LevelsPerOctave;

    private const int SMin = -1;

    private int SMax => S + 1;

    private double Sigmak { get; }

    private double Sigma0 { get; }

    private double DeltaSigma0 { get; }

    /// <summary>Smallest image side accepted: the first octave must leave room for 3×3 neighbourhoods.</summary>
    public const int MinimumSide = 8;

    /// <summary>The smallest keypoint scale (px) these options can yield: level −1 of the first octave,
    /// 1.6·2^(first octave), below which refinement does not move a keypoint (measured minimum 1.77 at octave
    /// 0).</summary>
    public static double SmallestScale(SiftOptions? options = null) =>
        1.6 * Math.Pow(2, (options ?? new SiftOptions()).FirstOctave);

    /// <summary>Detects keypoints and computes one descriptor per keypoint orientation.</summary>
    public List<SiftFeature> Detect(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        // worded as the representations' FeatureInput check
        if (image.Width < MinimumSide || image.Height < MinimumSide)
            throw new ArgumentException(
                $"sift: image {image.Width}x{image.Height} is smaller than the minimum {MinimumSide}x{MinimumSide}."
            );
        image.EnsureFinite();

        int oMin = Options.FirstOctave;
        int octaves =
            Options.Octaves >= 0
                ? Options.Octaves
                : Math.Max((int)Math.Floor(Math.Log(Math.Min(image.Width, image.Height)) / LogOfTwo) - oMin - 3, 1);
        Allocate(OctaveSize(image.Width, oMin) * OctaveSize(image.Height, oMin));

        var features = new List<SiftFeature>();
        Span<double> angles = stackalloc double[4];
        for (int o = oMin; o < oMin + octaves; o++)
        {
            int w = OctaveSize(image.Width, o),
                h = OctaveSize(image.Height, o);
            if (w < 3 || h < 3)
                break; // nothing left to detect at this resolution
            if (o == oMin)
                FirstOctave(image, w, h);
            else
                NextOctave(w, h);

            DetectExtrema(o, w, h);
            if (_keypoints.Count == 0)
                continue;
            ComputeGradients(w, h);
            foreach (var k in _keypoints)
            {
                int n = Orientations(k, o, w, h, angles);
                for (int a = 0; a < n; a++)
                {
                    var descriptor = new float[SiftFeature.DescriptorLength];
                    Describe(k, o, w, h, angles[a], descriptor);
                    features.Add(new SiftFeature(k.X, k.Y, k.Sigma, (float)angles[a], descriptor));
                }
            }
        }
        return features;
    }

    /// <summary>VL_SHIFT_LEFT(size, −o): the side of octave o.</summary>
    private static int OctaveSize(int size, int o) => o >= 0 ? size >> o : size << -o;

    private void Allocate(int pixels)
    {
        if (pixels <= _capacity)
            return;
        _capacity = pixels;
        int levels = SMax - SMin + 1;
        _levels = Enumerable.Range(0, levels).Select(_ => new float[pixels]).ToArray();
        _dog = Enumerable.Range(0, levels - 1).Select(_ => new float[pixels]).ToArray();
        _magnitude = Enumerable.Range(0, levels - 3).Select(_ => new float[pixels]).ToArray();
        _angle = Enumerable.Range(0, levels - 3).Select(_ => new float[pixels]).ToArray();
        _temp = new float[pixels];
    }

    private float[] Level(int s) => _levels[s - SMin];

    /// <summary>Keypoint as VLFeat's VlSiftKeypoint: integer location, octave and level, refined position and
    /// scale.</summary>
    private readonly record struct Keypoint(int O, int Ix, int Iy, int Is, float X, float Y, float S, float Sigma);
}
