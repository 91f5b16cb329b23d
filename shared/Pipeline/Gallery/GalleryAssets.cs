using Microsoft.AspNetCore.Components;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>
/// The gallery's style and script, embedded files (Assets/gallery.css, Assets/gallery.js) written inline so that a
/// page is one self-contained file, on disk as in Blob Storage. The style gets the feature views' colour ramp as
/// <c>--scale-stops</c>, so the legend is the ramp the views are painted with.
/// </summary>
public static class GalleryAssets
{
    /// <summary>The feature views' colour ramp as CSS gradient stops.</summary>
    public static string ScaleStops { get; } =
        string.Join(",", FeatureInversion.Features.FeatureEnergy.RampStops.Select(c => $"rgb({c.R},{c.G},{c.B})"));

    public static MarkupString Style { get; } =
        new($"<style>:root{{--scale-stops:{ScaleStops}}}\n{Read("gallery.css")}</style>");

    public static MarkupString Script { get; } = new($"<script>{Read("gallery.js")}</script>");

    private static string Read(string name)
    {
        using var stream = typeof(GalleryAssets).Assembly.GetManifestResourceStream(
            $"FeatureInversion.Pipeline.Gallery.{name}"
        ) ?? throw new InvalidOperationException($"gallery asset {name} is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
