using System.Globalization;

namespace FeatureInversion.Features.Sources;

/// <summary>
/// The resolution at which a decoder reads a whole image's keypoints. The decoders learnt from crops covering a
/// uniform fraction of 0.2 to 1 of a photo's short side, resized to the decoder's size (CropRenderer), so a whole
/// photo appeared to them with its short side at size / fraction pixels; the median fraction, 0.6, puts it at
/// <see cref="TrainedShortSide"/> (107 px for the 64-px decoders). Keypoints are scaled so (never up), and those
/// smaller than the detector finds at that resolution are dropped: the decoder never saw them, and with them its
/// reconstructions are worse than its mean image (docs/results.md). Needs only the decoder's size and its
/// representation's settings, so torch-free hosts (ingestion) use it as the decoding side does.
/// </summary>
public static class WorkingResolution
{
    /// <summary>The median fraction of a training photo's short side that one crop covered (uniform in [0.2,
    /// 1]).</summary>
    public const double MedianCropFraction = 0.6;

    public static int TrainedShortSide(int decoderSize) => (int)Math.Round(decoderSize / MedianCropFraction);

    /// <summary>The factor that brings an image's short side to <paramref name="shortSide"/>, never above 1.</summary>
    public static double Scale(int width, int height, int shortSide) =>
        Math.Min(1.0, shortSide / (double)Math.Min(width, height));

    /// <summary>The smallest keypoint scale the decoder's SIFT settings produce (its first octave, from the
    /// representation's settings).</summary>
    public static double SmallestScale(IReadOnlyDictionary<string, string> representationSettings) =>
        Sift.SiftDetector.SmallestScale(
            new Sift.SiftOptions
            {
                FirstOctave = representationSettings.TryGetValue("firstOctave", out var o)
                    ? int.Parse(o, CultureInfo.InvariantCulture)
                    : 0,
            }
        );

    /// <summary>A file's keypoints at the working resolution, as the decoder can read them (all of them with <paramref
    /// name="allScales"/>).</summary>
    public static KeypointSet Prepare(
        KeypointSet set,
        int shortSide,
        IReadOnlyDictionary<string, string> representationSettings,
        bool allScales = false
    )
    {
        var working = set.Scaled(Scale(set.Width, set.Height, shortSide));
        return allScales ? working : working.Detectable(SmallestScale(representationSettings));
    }
}
