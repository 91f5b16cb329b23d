using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>A page of a batch as the batch API returns it: the summary, the page's rows with their metrics inline and
/// read URLs in place of blob names (each URL reads one blob and expires), and where the other pages are.</summary>
public sealed record BatchPage
{
    public required string Batch { get; init; }
    public DateTimeOffset UpdatedUtc { get; init; }
    public int Uploads { get; init; }
    public int Refused { get; init; }
    public string LowerIsBetter { get; init; } =
        "errors are ‖x − f(Φ(x))‖₂ / N: lower is better; baselineError is the mean training image's error on the same "
        + "image";
    public List<RepresentationSummary> Representations { get; init; } = [];
    public required string Sort { get; init; }
    public int Page { get; init; }
    public int PageSize { get; init; }
    public int Pages { get; init; }
    public List<ImageRow> Rows { get; init; } = [];
}

/// <summary>Thrown for a request the batch API cannot answer as asked (a 400 with this message).</summary>
public sealed class BatchQueryException(string message) : Exception(message);

/// <summary>
/// The function app's side of the gallery: reads a batch's report (or builds it when the workers have not written one
/// yet), pages and orders it, and signs a read URL for each blob the page shows — per blob, never the whole batch.
/// </summary>
public sealed class BatchQuery(
    IBlobStore store,
    StorageOptions storage,
    GalleryOptions galleryOptions,
    GalleryWriter gallery
)
{
    /// <summary>The batch's report, or null when nothing of that batch was ingested.</summary>
    public async Task<BatchReport?> ReportAsync(string batch, CancellationToken ct = default)
    {
        if (BlobNames.Problem(batch) is { } problem)
            throw new BatchQueryException($"'{batch}' cannot name a batch: {problem}");
        if (await store.TryReadAsync(storage.ResultsContainer, BlobNames.BatchReport(batch), ct) is { } bytes)
            return PipelineJson.Deserialize<BatchReport>(bytes);
        var report = await gallery.RebuildAsync(batch, ct);
        return report.Uploads == 0 ? null : report;
    }

    public async Task<BatchPage> PageAsync(BatchReport report, int page, string sort, CancellationToken ct = default)
    {
        var (rows, pages) = Slice(report, page, sort);
        var urls = await SignAsync(rows, ct);
        string? Url(string? blob) => blob is null ? null : urls[blob];
        var signed = rows.Select(row =>
                row with
                {
                    Thumbnail = Url(row.Thumbnail),
                    Results = row
                        .Results.Select(c =>
                            c with
                            {
                                Original = Url(c.Original),
                                Reconstruction = Url(c.Reconstruction),
                                FeatureEnergy = Url(c.FeatureEnergy),
                                Metrics = Url(c.Metrics),
                                Whole = c.Whole is { } w
                                    ? w with
                                    {
                                        Reconstruction = Url(w.Reconstruction)!,
                                        Original = Url(w.Original),
                                    }
                                    : null,
                            }
                        )
                        .ToList(),
                }
            )
            .ToList();
        return new BatchPage
        {
            Batch = report.Batch,
            UpdatedUtc = report.UpdatedUtc,
            Uploads = report.Uploads,
            Refused = report.Refused,
            Representations = report.Representations,
            Sort = sort,
            Page = Math.Clamp(page, 1, pages),
            PageSize = galleryOptions.GalleryPageSize,
            Pages = pages,
            Rows = signed,
        };
    }

    /// <summary>The page's HTML with per-blob read URLs; other pages and orders link to <c>?page=&amp;sort=</c> of the
    /// same address.</summary>
    public async Task<string> RenderAsync(BatchReport report, int page, string sort, CancellationToken ct = default)
    {
        var (rows, _) = Slice(report, page, sort);
        var urls = await SignAsync(rows, ct);
        var links = new GalleryLinks(
            name => urls.TryGetValue(name, out var url) ? url : "",
            (target, order) => $"?page={target}&sort={Uri.EscapeDataString(order)}"
        );
        var model = GalleryPageModel.Build(
            report,
            page,
            galleryOptions.GalleryPageSize,
            sort,
            links,
            galleryOptions.StalledAfterMinutes,
            DateTimeOffset.UtcNow
        );
        return await GalleryHtml.RenderAsync(model);
    }

    private (List<ImageRow> Rows, int Pages) Slice(BatchReport report, int page, string sort)
    {
        if (Ranking.Problem(sort, report.Representations.Select(r => r.Representation)) is { } problem)
            throw new BatchQueryException(problem);
        if (page < 1)
            throw new BatchQueryException($"page must be 1 or more, got {page}");
        int size = galleryOptions.GalleryPageSize;
        int pages = Math.Max(1, (report.Rows.Count + size - 1) / size);
        if (page > pages)
            throw new BatchQueryException($"page {page} is past the last page, {pages}");
        return (Ranking.Sort(report.Rows, sort).Skip((page - 1) * size).Take(size).ToList(), pages);
    }

    private static IEnumerable<string> BlobsOf(ImageRow row)
    {
        if (row.Thumbnail is not null)
            yield return row.Thumbnail;
        foreach (var c in row.Results)
        foreach (
            var name in new[]
            {
                c.Original,
                c.Reconstruction,
                c.FeatureEnergy,
                c.Metrics,
                c.Whole?.Reconstruction,
                c.Whole?.Original,
            }
        )
            if (name is not null)
                yield return name;
    }

    /// <summary>A read URL for every blob the rows show, each for that blob only, valid <see
    /// cref="GalleryOptions.ResultUrlSeconds"/>.</summary>
    private async Task<Dictionary<string, string>> SignAsync(List<ImageRow> rows, CancellationToken ct)
    {
        var lifetime = TimeSpan.FromSeconds(galleryOptions.ResultUrlSeconds);
        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in rows.SelectMany(BlobsOf))
            if (!urls.ContainsKey(name))
                urls[name] = (await store.GetReadUrlAsync(storage.ResultsContainer, name, lifetime, ct)).ToString();
        return urls;
    }
}
