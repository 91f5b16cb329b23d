namespace FeatureInversion.Pipeline;

/// <summary>
/// What the writers of results tell the read model: a batch got a new result or failure record. The worker and the
/// dead-letter consumer only say so; the gallery projection (<c>GalleryWriter</c>, run by its own hosted service)
/// decides when to rebuild, so no decode waits on a report being written.
/// </summary>
public interface IResultEvents
{
    /// <summary>A result, failure or refusal record of <paramref name="batch"/> was written.</summary>
    void ResultRecorded(string batch);
}
