using System.Security.Cryptography;

namespace FeatureInversion.Pipeline;

/// <summary>
/// The naming scheme of every blob the pipeline writes. Names derive from the image's content hash, the
/// representation and the decoder version, so a re-fired blob trigger or a redelivered job writes to the same
/// names (and finds them already there) instead of duplicating or losing a result.
/// </summary>
public static class BlobNames
{
    /// <summary>Content id of an image: the first 16 bytes of its SHA-256, in hex.</summary>
    public static string ImageId(ReadOnlySpan<byte> content) =>
        Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16));

    /// <summary>Azure's limit on blob names (characters).</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// Why <paramref name="name"/> cannot be a blob name, or null. One rule for every store (local folder, Azurite,
    /// Azure): any name is accepted — dots anywhere (<c>a..b.jpg</c>, <c>..hidden.jpg</c>), spaces, quotes, any
    /// Unicode letters — up to 1024 characters, except path segments
    /// that are empty, "." or ".." (the storage service normalises them away, and on a local folder they would leave
    /// the container), control characters (TAB, newline), invisible formatting characters (bidi overrides such as
    /// U+202E can make a name display as another) and backslashes (Azurite and some SDKs turn them into '/', so
    /// <c>..\..\x.jpg</c> would climb out of its folder there).
    /// </summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return "empty blob name";
        if (name.Length > MaxLength)
            return $"blob name of {name.Length} characters exceeds the {MaxLength}-character limit";
        if (name.Any(char.IsControl))
            return "blob name contains control characters";
        if (name.Any(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format))
            return "blob name contains invisible formatting characters (such as bidi overrides, which can disguise a "
                + "name)";
        if (name.Contains('\\'))
            return "blob name contains a backslash (Azure storage and Azurite read it as '/')";
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0)
                return "blob name has an empty path segment (leading, trailing or double '/')";
            if (segment is "." or "..")
                return $"blob name has a '{segment}' path segment";
        }
        return null;
    }

    /// <summary>A name that is always valid, for recording an upload whose own name is not (<see cref="Problem"/>): in
    /// the name's batch when that is valid, else "default"; unique per original name.</summary>
    public static string SafeName(string name)
    {
        string batch =
            name.LastIndexOf('/') is > 0 and var slash && Problem(name[..slash]) is null ? name[..slash] : "default";
        string hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)).AsSpan(0, 8));
        return $"{batch}/unusable-name-{hash}";
    }

    /// <summary>A name as text that shows what it holds: control and formatting characters and backslashes as \uXXXX,
    /// cut to 300 characters (for messages and records; the gallery encodes the rest).</summary>
    public static string Escape(string name)
    {
        var text = new System.Text.StringBuilder();
        foreach (char c in name.Length > 300 ? name[..300] : name)
        {
            if (
                char.IsControl(c)
                || c == '\\'
                || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format
            )
                text.Append($"\\u{(int)c:X4}");
            else
                text.Append(c);
        }
        if (name.Length > 300)
            text.Append('…');
        return text.ToString();
    }

    /// <summary>The batch of an uploaded blob: its folder ("holiday/img1.jpg" → "holiday"), or "default" at the
    /// root.</summary>
    public static string Batch(string imageBlob)
    {
        int slash = imageBlob.LastIndexOf('/');
        return slash <= 0 ? "default" : imageBlob[..slash];
    }

    public static string FileName(string imageBlob) => imageBlob[(imageBlob.LastIndexOf('/') + 1)..];

    /// <summary>The upload name of one image of a file that holds several (a COLMAP database): in the file's batch,
    /// <c>{file}--{image}</c>, the image's own folders joined the same way.</summary>
    public static string Item(string fileBlob, string image) =>
        $"{fileBlob}--{image.Replace('/', '-').Replace('\\', '-')}";

    public static string Features(string imageId, string representation, int size) =>
        $"{imageId}/{representation}-{size}px.npy";

    /// <summary>The features of the whole photo at the working resolution of a decoder of <paramref name="size"/> px
    /// (decoded whole beside the centre square's).</summary>
    public static string WholeFeatures(string imageId, string representation, int size) =>
        $"{imageId}/{representation}-{size}px-whole.npy";

    /// <summary>The whole photo at a decoder's working resolution (short side <paramref name="shortSide"/> px): what
    /// the whole reconstruction is scored against.</summary>
    public static string WholeOriginal(string batch, string imageId, int shortSide) =>
        $"{batch}/{imageId}/whole-{shortSide}px.png";

    /// <summary>The original uploaded beside a feature file, at the size of the file's whole reconstruction by one
    /// decoder version.</summary>
    public static string PairedOriginal(string batch, string imageId, string version) =>
        $"{batch}/{imageId}/{version}.original.png";

    /// <summary>The whole image decoded from the whole photo's (or a feature file's) features.</summary>
    public static string WholeReconstruction(string batch, string imageId, string version) =>
        $"{batch}/{imageId}/{version}.whole.png";

    /// <remarks>Decoder versions name their representation (<c>hog-64px-w0.25-20261124T221000Z</c>).</remarks>
    public static string Reconstruction(string batch, string imageId, string version) =>
        $"{batch}/{imageId}/{version}.png";

    /// <summary>Metrics of a result; written last, so its presence means the result is complete.</summary>
    public static string Metrics(string batch, string imageId, string version) => $"{batch}/{imageId}/{version}.json";

    /// <summary>The decoder's view of the original (centre square at the decoder's size), for the gallery.</summary>
    public static string Original(string batch, string imageId, int size) => $"{batch}/{imageId}/original-{size}px.png";

    public static string JobFailure(string batch, string imageId, string version) =>
        $"{batch}/{imageId}/{version}.error.json";

    /// <summary>Energy of the features the reconstruction was decoded from (per position, or per channel for a vector),
    /// for the gallery.</summary>
    public static string FeatureEnergy(string batch, string imageId, string version) =>
        $"{batch}/{imageId}/{version}.energy.png";

    /// <summary>The whole upload, upright, at most <see cref="ThumbnailSide"/> pixels on its longer side (what the
    /// auditor sees as "the photo").</summary>
    public static string Thumbnail(string batch, string imageId) => $"{batch}/{imageId}/thumbnail.jpg";

    public const int ThumbnailSide = 160;

    /// <summary>What ingestion decided for an uploaded blob (its image id and jobs, or why it was refused).</summary>
    public static string Ingestion(string imageBlob) => $"{Batch(imageBlob)}/_ingested/{FileName(imageBlob)}.json";

    /// <summary>First page of the batch's static gallery (written for the local folder store, whose relative links
    /// work).</summary>
    public static string Gallery(string batch) => $"{batch}/index.html";

    /// <summary>Further pages of the static gallery (page ≥ 2).</summary>
    public static string GalleryPage(string batch, int page) =>
        page <= 1 ? Gallery(batch) : $"{batch}/_gallery/page-{page}.html";

    /// <summary>The batch's report: summary per representation and every image's results (what the gallery and the
    /// batch API show).</summary>
    public static string BatchReport(string batch) => $"{batch}/_gallery/report.json";

    public static string Manifest(string representation, string version) => $"{representation}/{version}/manifest.json";

    public static string Weights(string representation, string version) => $"{representation}/{version}/weights.dat";

    /// <summary>Mean training image of a version (optional): the per-image baseline of the results.</summary>
    public static string MeanImage(string representation, string version) =>
        $"{representation}/{version}/mean-image.png";

    /// <summary>Pointer to the newest promoted version of a representation's decoder at one image size, written after
    /// its files. One per size: the quality gate compares decoders of the same size only, so a 128-px retrain is never
    /// measured against (and never blocked by) a seeded 64-px decoder.</summary>
    public static string Latest(string representation, int imageSize) => $"{representation}/latest-{imageSize}px.json";

    /// <summary>Job id used for queue de-duplication: the same image, representation and decoder give the same
    /// id.</summary>
    public static string JobId(string imageId, string version) => $"{imageId}-{version}";
}
