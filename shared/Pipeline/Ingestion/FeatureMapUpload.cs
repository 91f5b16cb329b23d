using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;
using FeatureInversion.Models;

namespace FeatureInversion.Pipeline.Ingestion;

/// <summary>A feature map uploaded instead of an image, read and matched to the representation that made it.</summary>
public sealed record FeatureMapUpload(FeatureMap Map, RepresentationDescriptor Representation, DecoderManifest Manifest, int Width, int Height,
    string Description, string? Conversion);

/// <summary>
/// Reads a <c>.npy</c> feature map dropped into the images container (a leaked HOG, LBP or sift-grid file of any
/// size, C × H × W as the <c>features</c> verb writes it): the representation is the configured one whose maps have
/// that many channels and whose decoder is published; the map must describe an image within the upload pixel limit
/// (cells × the representation's cell size). The .npy reader refuses NaN and infinite values and converts float64,
/// big-endian and uint8 arrays (with a note).
/// </summary>
public static class FeatureMapReader
{
    private static ReadOnlySpan<byte> NpyMagic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Whether the bytes are a .npy file (its magic string), whatever the name says.</summary>
    public static bool IsNpy(ReadOnlySpan<byte> content) => content.StartsWith(NpyMagic);

    /// <summary>The map and the decoder that inverts it, or the reason it is refused (worded as the CLI's refusals: "name: reason.").</summary>
    public static (FeatureMapUpload? Upload, string? Refusal) Read(string blob, ReadOnlyMemory<byte> content,
        IReadOnlyList<(RepresentationDescriptor Representation, DecoderManifest Manifest)> decoders, long maxPixels)
    {
        NpyArray array;
        try
        {
            using var stream = new MemoryStream(content.ToArray(), writable: false);
            array = NpyFile.Load(stream, blob);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or OverflowException or ArgumentException)
        {
            string reason = e.Message.StartsWith(blob + ": ", StringComparison.Ordinal) ? e.Message[(blob.Length + 2)..] : e.Message;
            return (null, $"{blob}: unreadable .npy file: {reason}");
        }
        if (array.Shape.Length != 3)
            return (null, $"{blob}: a .npy upload must be a feature map C × H × W (as the features verb writes it); this array is {string.Join(" × ", array.Shape)}. Keypoint files (N × 132) are not read by the pipeline yet: use the reconstruct verb.");
        var (c, h, w) = (array.Shape[0], array.Shape[1], array.Shape[2]);
        var known = decoders.Select(d => (d.Representation, d.Manifest, Probe: d.Representation.OutputShape(64, 64))).ToList();
        var match = known.Where(d => d.Probe.Channels == c).ToList();
        if (match.Count == 0)
            return (null, $"{blob}: a {c}-channel feature map matches no representation with a published decoder ({string.Join(", ", known.Select(d => $"{d.Representation.Name}: {d.Probe.Channels} channels"))}).");
        var (representation, manifest, probe) = match[0];
        if (h < 1 || w < 1) return (null, $"{blob}: an empty {c} × {h} × {w} map.");
        int cellRows = 64 / probe.Rows, cellCols = 64 / probe.Cols;
        long width = (long)w * cellCols, height = (long)h * cellRows;
        if (width * height > maxPixels)
            return (null, $"{blob}: a {h} × {w} {representation.Name} map describes {width}x{height} pixels, over the {maxPixels:N0}-pixel upload limit.");
        string description = $"{representation.Name} map {c} × {h} × {w} ({array.StoredAs})";
        return (new FeatureMapUpload(new FeatureMap(new FeatureShape(c, h, w), array.Data), representation, manifest, (int)width, (int)height,
            description, array.Conversion), null);
    }
}
