using FeatureInversion.Features;
using FeatureInversion.Features.Sources;
using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Decoders.Inference;

/// <summary>One image reconstructed from a feature file, at the size it was decoded, with what the user should
/// know.</summary>
public sealed record FileReconstruction(string Name, ColorImage Image, string Source, IReadOnlyList<string> Notes);

/// <summary>
/// Whole images from feature files: a dense C × H × W map of any size (<see cref="WholeImageDecoding"/>) or a
/// descriptor file (<see cref="DescriptorFiles"/>: COLMAP database, OpenCV .npz, N × 132 keypoints), whose keypoints
/// are laid on the sparse SIFT grid at the working resolution and decoded by a sift-grid decoder.
/// The working resolution is <see cref="WorkingResolution"/>'s (the decoders' trained scale).
/// </summary>
public static class FeatureFileReconstruction
{
    /// <summary>The short side at which the decoder saw whole photos (<see
    /// cref="WorkingResolution.TrainedShortSide"/>).</summary>
    public static int TrainedShortSide(DecoderNetwork network) =>
        WorkingResolution.TrainedShortSide(network.Spec.ImageSize);

    /// <summary>A photo at the working resolution (<see cref="WorkingResolution.Scale"/>), the photo itself when
    /// already small enough.</summary>
    public static ColorImage AtWorkingResolution(ColorImage photo, int shortSide)
    {
        double scale = WorkingResolution.Scale(photo.Width, photo.Height, shortSide);
        if (scale >= 1)
            return photo;
        return ImageFiles.Resize(
            photo,
            Math.Max(1, (int)Math.Round(photo.Width * scale)),
            Math.Max(1, (int)Math.Round(photo.Height * scale))
        );
    }

    /// <summary>
    /// A whole photo through the decoder: resized so its short side is <paramref name="shortSide"/> (never up; the
    /// trained scale by default), its features computed there and decoded as one map. Returns the photo at that size
    /// and the reconstruction (the size the feature cells cover, at most the photo's).
    /// </summary>
    public static (ColorImage Photo, ColorImage Reconstruction) WholePhoto(
        DecoderNetwork network,
        ColorImage photo,
        int? shortSide = null
    )
    {
        var resized = AtWorkingResolution(photo, shortSide ?? TrainedShortSide(network));
        using var extractor = network.Spec.Representation.Create();
        var map = extractor.Extract(resized);
        int cell = WholeImageDecoding.CellPixels(network.Spec);
        var reconstruction = WholeImageDecoding.Decode(
            network,
            map,
            Math.Min(resized.Width, map.Shape.Cols * cell),
            Math.Min(resized.Height, map.Shape.Rows * cell)
        );
        return (resized, reconstruction);
    }

    /// <summary>A file's keypoints at the working resolution, as the decoder can read them.</summary>
    public static KeypointSet AtWorkingResolution(
        DecoderNetwork network,
        KeypointSet set,
        int shortSide,
        bool allScales = false
    ) => WorkingResolution.Prepare(set, shortSide, network.Spec.Representation.Settings, allScales);

    /// <summary>Reconstructs every image a feature file holds; images the file holds but cannot give are in <paramref
    /// name="refused"/>.</summary>
    public static List<FileReconstruction> Run(
        DecoderNetwork network,
        string path,
        out IReadOnlyList<RefusedImage> refused,
        (int Width, int Height)? imageSize = null,
        int? workingShortSide = null,
        DescriptorLimits? limits = null,
        bool allScales = false
    )
    {
        string name = Path.GetFileName(path);
        string? kind = DescriptorFiles.Kind(path);
        if (kind is null)
        {
            var array = NpyFile.Load(path);
            if (array.Shape is not [var c, var h, var w])
                throw new InvalidDataException(
                    $"{name}: features are ({string.Join(", ", array.Shape)}): expected C × H × W or a descriptor file."
                );
            var map = new FeatureMap(new FeatureShape(c, h, w), array.Data);
            refused = [];
            var notes = array.Conversion is { } note ? new[] { note } : [];
            return
            [
                new FileReconstruction(
                    Path.GetFileNameWithoutExtension(name),
                    Decode(network, map, name),
                    "feature map (.npy)",
                    notes
                ),
            ];
        }
        if (network.Spec.Representation.Decoder != DecoderLayout.Sift)
            throw new InvalidDataException(
                $"{name} holds SIFT keypoints: reconstruct it with a sift-grid decoder, not "
                    + $"{network.Spec.Representation}."
            );
        var file = DescriptorFiles.Read(path, kind, imageSize, limits);
        refused = file.Refused;
        int side = workingShortSide ?? TrainedShortSide(network);
        var results = new List<FileReconstruction>();
        foreach (var set in file.Images)
        {
            var working = AtWorkingResolution(network, set, side, allScales);
            var image = WholeImageDecoding.Decode(network, working.ToGrid(), working.Width, working.Height);
            var notes = set
                .Notes.Append(
                    $"{set.Frames.Count} keypoints of a {set.Width}x{set.Height} image, decoded at "
                        + $"{working.Width}x{working.Height}"
                        + (allScales ? "" : $" from the {working.Frames.Count} large enough to be seen there")
                )
                .ToList();
            results.Add(new FileReconstruction(set.Name, image, file.Source, notes));
        }
        return results;
    }

    private static ColorImage Decode(DecoderNetwork network, FeatureMap map, string name)
    {
        try
        {
            return WholeImageDecoding.Decode(network, map);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
    }
}
