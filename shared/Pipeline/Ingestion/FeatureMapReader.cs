using FeatureInversion.Features;
using FeatureInversion.Features.Sources;
using FeatureInversion.Imaging.IO;
using FeatureInversion.Models;

namespace FeatureInversion.Pipeline.Ingestion;

/// <summary>A feature map uploaded instead of an image, read and matched to the representation that made it.</summary>
public sealed record FeatureMapUpload(
    FeatureMap Map,
    RepresentationDescriptor Representation,
    DecoderManifest Manifest,
    int Width,
    int Height,
    string Description,
    string? Conversion
);

/// <summary>
/// Reads a <c>.npy</c> feature map dropped into the images container (a leaked HOG, LBP or sift-grid file of any
/// size, C × H × W as the <c>features</c> verb writes it): the representation is the configured one whose maps have
/// that many channels and whose decoder is published; the map must describe an image within the upload pixel limit
/// (cells × the representation's cell size). The .npy reader refuses NaN and infinite values and converts float64,
/// big-endian and uint8 arrays (with a note).
/// </summary>
public static class FeatureMapReader
{
    /// <summary>Whether the bytes are a .npy file (its magic string), whatever the name says.</summary>
    public static bool IsNpy(ReadOnlySpan<byte> content) => NpyFile.HasMagic(content);

    /// <summary>Whether the bytes are a zip archive: an OpenCV SIFT .npz (keypoints and descriptors).</summary>
    public static bool IsNpz(ReadOnlySpan<byte> content) => OpenCvSiftArchive.LooksLikeOne(content);

    /// <summary>Whether the bytes are a SQLite file: a COLMAP database.</summary>
    public static bool IsColmapDatabase(ReadOnlySpan<byte> content) => ColmapDatabase.LooksLikeOne(content);

    /// <summary>Whether an upload starts as Lowe's .key or COLMAP's feature text ("N 128").</summary>
    public static bool IsSiftText(ReadOnlySpan<byte> content) =>
        SiftTextFile.LooksLikeOne(content[..Math.Min(64, content.Length)]);

    /// <summary>A COLMAP database's images, each as a sift-grid map at the decoder's working resolution (the database
    /// is read from a temporary copy: SQLite reads files), with the images it holds but could not give; or the reason
    /// it is refused.</summary>
    public static (
        List<(string Image, FeatureMapUpload Upload)>? Images,
        List<string> Refused,
        string? Refusal
    ) ReadColmap(
        string blob,
        ReadOnlyMemory<byte> content,
        IReadOnlyList<(RepresentationDescriptor Representation, DecoderManifest Manifest)> decoders
    )
    {
        if (NoSiftDecoder(blob, decoders) is { } none)
            return (null, [], none);
        string path = Path.Combine(Path.GetTempPath(), "fi-colmap-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            File.WriteAllBytes(path, content.Span);
            DescriptorFile file;
            try
            {
                file = ColmapDatabase.Read(path, DescriptorLimits.Default);
            }
            catch (Exception e)
                when (e is InvalidDataException or FormatException or OverflowException or ArgumentException
                    || e.GetType().Name == "SqliteException"
                )
            {
                return (null, [], $"{blob}: unreadable COLMAP database: {e.Message}");
            }
            var refused = file.Refused.Select(r => $"{r.Name}: {r.Reason}").ToList();
            var images = new List<(string, FeatureMapUpload)>();
            foreach (var set in file.Images)
            {
                var (upload, refusal) = Keypoints(
                    blob,
                    decoders,
                    () => file with { Images = [set] },
                    unreadable: "unreadable"
                );
                if (upload is not null)
                    images.Add((set.Name, upload));
                else
                    refused.Add($"{set.Name}: {WithoutName(refusal!, blob)}");
            }
            if (images.Count == 0)
                return (
                    null,
                    refused,
                    $"{blob}: a COLMAP database with no image that can be "
                        + $"reconstructed{(refused.Count > 0 ? $" ({string.Join("; ", refused)})" : "")}."
                );
            return (images, refused, null);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A single-image keypoint file by its content, an OpenCV SIFT .npz or Lowe's .key or COLMAP's feature
    /// text: its keypoints laid on the sparse SIFT grid at the decoder's working resolution.</summary>
    public static (FeatureMapUpload? Upload, string? Refusal) ReadKeypointFile(
        string blob,
        ReadOnlyMemory<byte> content,
        IReadOnlyList<(RepresentationDescriptor Representation, DecoderManifest Manifest)> decoders
    )
    {
        bool npz = IsNpz(content.Span);
        return Keypoints(
            blob,
            decoders,
            () =>
            {
                using var stream = new MemoryStream(content.ToArray(), writable: false);
                return npz
                    ? OpenCvSiftArchive.Read(stream, blob, null, DescriptorLimits.Default)
                    : SiftTextFile.Read(stream, blob, null, DescriptorLimits.Default);
            },
            // any zip starts as an .npz, any "N 128" line as a text file
            unreadable: npz
                ? "not a recognised image format, nor a readable OpenCV SIFT .npz"
                : "not a recognised image format, nor a readable SIFT text file (Lowe .key, COLMAP)"
        );
    }

    /// <summary>
    /// A descriptor file's keypoints (one image: an OpenCV .npz, Lowe's .key or COLMAP's text, or an N × 132 .npy) as a
    /// sift-grid map at the working resolution of the published sift-grid decoder (<see cref="WorkingResolution"/>):
    /// the whole image the decoder can draw from them.
    /// </summary>
    private static (FeatureMapUpload? Upload, string? Refusal) Keypoints(
        string blob,
        IReadOnlyList<(RepresentationDescriptor Representation, DecoderManifest Manifest)> decoders,
        Func<DescriptorFile> read,
        string unreadable
    )
    {
        if (NoSiftDecoder(blob, decoders) is { } none)
            return (null, none);
        var sift = decoders.First(d => d.Representation.Decoder == DecoderLayout.Sift);
        DescriptorFile file;
        try
        {
            file = read();
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return (null, $"{blob}: {unreadable}: {WithoutName(e.Message, blob)}");
        }
        if (file.Images is not [var set])
            return (null, $"{blob}: {file.Source} with {file.Images.Count} images; one was expected.");
        int side = WorkingResolution.TrainedShortSide(sift.Manifest.ImageSize);
        var working = WorkingResolution.Prepare(set, side, sift.Representation.Settings);
        if (working.Frames.Count == 0)
            return (
                null,
                $"{blob}: none of its {set.Frames.Count} keypoints is large enough to be seen at the decoder's "
                    + $"working resolution ({working.Width}x{working.Height})."
            );
        string description =
            $"{file.Source}: {set.Frames.Count} keypoints of a {set.Width}x{set.Height} image, on the sift-grid at "
            + $"{working.Width}x{working.Height} "
            + $"({working.Frames.Count} large enough to be seen there)";
        string? notes = set.Notes.Count > 0 ? string.Join("; ", set.Notes) : null;
        return (
            new FeatureMapUpload(
                working.ToGrid(),
                sift.Representation,
                sift.Manifest,
                working.Width,
                working.Height,
                description,
                notes
            ),
            null
        );
    }

    private static string? NoSiftDecoder(
        string blob,
        IReadOnlyList<(RepresentationDescriptor Representation, DecoderManifest Manifest)> decoders
    ) =>
        decoders.Any(d => d.Representation.Decoder == DecoderLayout.Sift)
            ? null
            : $"{blob}: SIFT keypoints need a sift-grid decoder, and none is published for the configured "
                + $"representations ({string.Join(", ", decoders.Select(d => d.Representation.Name))}).";

    /// <summary>The map and the decoder that inverts it, or the reason it is refused (worded as the CLI's refusals:
    /// "name: reason.").</summary>
    public static (FeatureMapUpload? Upload, string? Refusal) Read(
        string blob,
        ReadOnlyMemory<byte> content,
        IReadOnlyList<(RepresentationDescriptor Representation, DecoderManifest Manifest)> decoders,
        long maxPixels
    )
    {
        NpyArray array;
        try
        {
            using var stream = new MemoryStream(content.ToArray(), writable: false);
            array = NpyFile.Load(stream, blob);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return (null, $"{blob}: unreadable .npy file: {WithoutName(e.Message, blob)}");
        }
        if (SiftKeypointArray.Fits(array.Shape))
            return Keypoints(
                blob,
                decoders,
                () => SiftKeypointArray.FromArray(array, blob, null, DescriptorLimits.Default),
                unreadable: "unreadable SIFT keypoints"
            );
        if (array.Shape.Length != 3)
            return (
                null,
                $"{blob}: a .npy upload must be a feature map C × H × W (as the features verb writes it) or N × 132 "
                    + $"SIFT keypoints; this array is {string.Join(" × ", array.Shape)}."
            );
        var (c, h, w) = (array.Shape[0], array.Shape[1], array.Shape[2]);
        var known = decoders
            .Select(d => (d.Representation, d.Manifest, Probe: d.Representation.OutputShape(64, 64)))
            .ToList();
        var match = known.Where(d => d.Probe.Channels == c).ToList();
        if (match.Count == 0)
            return (
                null,
                $"{blob}: a {c}-channel feature map matches no representation with a published decoder "
                    + $"({string.Join(", ", known.Select(d => $"{d.Representation.Name}: {d.Probe.Channels} "
                        + "channels"))})."
            );
        var (representation, manifest, _) = match[0];
        if (h < 1 || w < 1)
            return (null, $"{blob}: an empty {c} × {h} × {w} map.");
        // Pixels per cell as the decoder has them (WholeImageDecoding.CellPixels: its size over its input's columns),
        // so the size recorded here is the size of the image the worker decodes.
        int cell = manifest.ImageSize / representation.OutputShape(manifest.ImageSize, manifest.ImageSize).Cols;
        long width = (long)w * cell,
            height = (long)h * cell;
        if (width * height > maxPixels)
            return (
                null,
                $"{blob}: a {h} × {w} {representation.Name} map describes {width}x{height} pixels, over the "
                    + $"{maxPixels:N0}-pixel upload limit."
            );
        string description = $"{representation.Name} map {c} × {h} × {w} ({array.StoredAs})";
        return (
            new FeatureMapUpload(
                new FeatureMap(new FeatureShape(c, h, w), array.Data),
                representation,
                manifest,
                (int)width,
                (int)height,
                description,
                array.Conversion
            ),
            null
        );
    }

    /// <summary>The readers' refusals of a malformed file (anything else is a fault, not the file's).</summary>
    private static bool IsUnreadable(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException or OverflowException or ArgumentException;

    /// <summary>A reader's message without the file name it starts with, for a refusal that names the blob
    /// once.</summary>
    private static string WithoutName(string message, string blob) =>
        message.StartsWith(blob + ": ", StringComparison.Ordinal) ? message[(blob.Length + 2)..] : message;
}
