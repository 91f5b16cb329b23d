using System.Globalization;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>How the gallery writes numbers: three decimals, "n/a" for a missing or non-finite value (never a
/// number that is not one), signed gains, and round-trip sort keys for the page's script.</summary>
public static class GalleryFormat
{
    public static string F3(double? v) => Fixed(v, "F3");

    public static string Gain(double? v) => Fixed(v, "+0.000;-0.000");

    public static string Key(double? v) =>
        v is { } x && double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    public static string Fixed(double? v, string format) =>
        v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    public static string Utc(DateTimeOffset t) => t.ToString("u", CultureInfo.InvariantCulture);

    /// <summary>What a feature view shows, for its alt text and link title (older results carry no kind: they are
    /// energy views).</summary>
    public static string ViewTitle(string? kind) =>
        kind switch
        {
            "contrast" => "feature contrast: each cell's distance from the image's mean cell (its cells all have the "
                + "same norm, so energy would be flat)",
            "channels" => "feature vector: the magnitude of each channel, row by row",
            _ => "feature energy: the L2 norm of the features at each position",
        };
}
