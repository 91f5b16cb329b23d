using System.ComponentModel.DataAnnotations;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>The results read model and API: page size, when a pending job counts as stalled, and how long handed-out
/// URLs live (section <see cref="PipelineSection.Name"/>).</summary>
public sealed class GalleryOptions
{
    /// <summary>Rows per page of a batch's gallery (static pages and the function app's).</summary>
    [Range(10, 1000)]
    public int GalleryPageSize { get; set; } = 100;

    /// <summary>A job still pending this long after its upload was ingested shows as stalled in the results API and
    /// the gallery (a worker is down, or the queue lost it).</summary>
    [Range(1, 7 * 24 * 60)]
    public int StalledAfterMinutes { get; set; } = 30;

    /// <summary>Lifetime of the read-only SAS URLs the results function hands out.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int ResultUrlSeconds { get; set; } = 3600;
}
