using FeatureInversion.Features;
using FeatureInversion.Features.Sources;
using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Decoders.Inference;

/// <summary>One image reconstructed from a feature file, at the size it was decoded, with what the user should know.</summary>
public sealed record FileReconstruction(string Name, ColorImage Image, string Source, IReadOnlyList<string> Notes);

/// <summary>
/// Whole images from feature files: a dense C × H × W map of any size (<see cref="WholeImageDecoding"/>) or a descriptor
/// file (<see cref="DescriptorFiles"/>: COLMAP database, OpenCV .npz, N × 132 keypoints), whose keypoints are laid on
/// the sparse SIFT grid at the working resolution and decoded by a sift-grid decoder.
/// <para>
/// The working resolution: the decoders learnt from crops covering a uniform fraction of 0.2 to 1 of a photo's short
/// side, resized to the decoder's size (CropRenderer), so a whole photo appeared to them with its short side at
/// size / fraction pixels; the median fraction, 0.6, puts it at <see cref="TrainedShortSide"/> (107 px for the 64-px
/// decoders). Keypoints are scaled so (<see cref="KeypointSet.Scaled"/>), never up, and those smaller than the
/// detector finds at that resolution are dropped (<see cref="KeypointSet.Detectable"/>): the decoder never saw them,
/// and with them its reconstructions are worse than its mean image (docs/results.md).
/// </para>
/// </summary>
public static class FeatureFileReconstruction
{
    /// <summary>The median fraction of a training photo's short side that one crop covered (uniform in [0.2, 1]).</summary>
    public const double MedianCropFraction = 0.6;

    public static int TrainedShortSide(DecoderNetwork network) => (int)Math.Round(network.Spec.ImageSize / MedianCropFraction);

    /// <summary>The smallest keypoint scale the decoder's SIFT settings produce (its first octave).</summary>
    public static double SmallestScale(DecoderNetwork network) =>
        Features.Sift.SiftDetector.SmallestScale(new Features.Sift.SiftOptions
        {
            FirstOctave = network.Spec.Representation.Settings.TryGetValue("firstOctave", out var o) ? int.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0,
        });

    /// <summary>The factor that brings an image's short side to <paramref name="shortSide"/>, never above 1.</summary>
    public static double WorkingScale(int width, int height, int shortSide) => Math.Min(1.0, shortSide / (double)Math.Min(width, height));

    /// <summary>A photo at the working resolution (<see cref="WorkingScale"/>), the photo itself when already small enough.</summary>
    public static ColorImage AtWorkingResolution(ColorImage photo, int shortSide)
    {
        double scale = WorkingScale(photo.Width, photo.Height, shortSide);
        if (scale >= 1) return photo;
        return ImageFiles.Resize(photo, Math.Max(1, (int)Math.Round(photo.Width * scale)), Math.Max(1, (int)Math.Round(photo.Height * scale)));
    }

    /// <summary>
    /// A whole photo through the decoder: resized so its short side is <paramref name="shortSide"/> (never up; the
    /// trained scale by default), its features computed there and decoded as one map. Returns the photo at that size
    /// and the reconstruction (the size the feature cells cover, at most the photo's).
    /// </summary>
    public static (ColorImage Photo, ColorImage Reconstruction) WholePhoto(DecoderNetwork network, ColorImage photo, int? shortSide = null)
    {
        var resized = AtWorkingResolution(photo, shortSide ?? TrainedShortSide(network));
        using var extractor = network.Spec.Representation.Create();
        var map = extractor.Extract(resized);
        int cell = WholeImageDecoding.CellPixels(network.Spec);
        var reconstruction = WholeImageDecoding.Decode(network, map, Math.Min(resized.Width, map.Shape.Cols * cell), Math.Min(resized.Height, map.Shape.Rows * cell));
        return (resized, reconstruction);
    }

    /// <summary>A file's keypoints at the working resolution, as the decoder can read them.</summary>
    public static KeypointSet AtWorkingResolution(DecoderNetwork network, KeypointSet set, int shortSide, bool allScales = false)
    {
        var working = set.Scaled(WorkingScale(set.Width, set.Height, shortSide));
        return allScales ? working : working.Detectable(SmallestScale(network));
    }

    /// <summary>Reconstructs every image a feature file holds; images the file holds but cannot give are in <paramref name="refused"/>.</summary>
    public static List<FileReconstruction> Run(DecoderNetwork network, string path, out IReadOnlyList<RefusedImage> refused,
        (int Width, int Height)? imageSize = null, int? workingShortSide = null, DescriptorLimits? limits = null, bool allScales = false)
    {
        string name = Path.GetFileName(path);
        string? kind = DescriptorFiles.Kind(path);
        if (kind is null)
        {
            var array = NpyFile.Load(path);
            if (array.Shape is not [var c, var h, var w]) throw new InvalidDataException($"{name}: features are ({string.Join(", ", array.Shape)}): expected C × H × W or a descriptor file.");
            var map = new FeatureMap(new FeatureShape(c, h, w), array.Data);
            refused = [];
            var notes = array.Conversion is { } note ? new[] { note } : [];
            return [new FileReconstruction(Path.GetFileNameWithoutExtension(name), Decode(network, map, name), "feature map (.npy)", notes)];
        }
        if (network.Spec.Representation.Decoder != DecoderLayout.Sift)
            throw new InvalidDataException($"{name} holds SIFT keypoints: reconstruct it with a sift-grid decoder, not {network.Spec.Representation}.");
        var file = DescriptorFiles.Read(path, kind, imageSize, limits);
        refused = file.Refused;
        int side = workingShortSide ?? TrainedShortSide(network);
        var results = new List<FileReconstruction>();
        foreach (var set in file.Images)
        {
            var working = AtWorkingResolution(network, set, side, allScales);
            var image = WholeImageDecoding.Decode(network, working.ToGrid(), working.Width, working.Height);
            var notes = set.Notes.Append($"{set.Frames.Count} keypoints of a {set.Width}x{set.Height} image, decoded at {working.Width}x{working.Height}"
                + (allScales ? "" : $" from the {working.Frames.Count} large enough to be seen there")).ToList();
            results.Add(new FileReconstruction(set.Name, image, file.Source, notes));
        }
        return results;
    }

    private static ColorImage Decode(DecoderNetwork network, FeatureMap map, string name)
    {
        try { return WholeImageDecoding.Decode(network, map); }
        catch (ArgumentException e) { throw new InvalidDataException($"{name}: {e.Message}", e); }
    }
}
