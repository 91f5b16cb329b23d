using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FeatureInversion.Pipeline.Gallery;

/// <summary>Where the page's links go: a blob's URL (relative for the static pages, a per-blob read SAS from the API)
/// and the URL of another page or order of the same gallery ("" where that order has no page).</summary>
public sealed record GalleryLinks(Func<string, string> Blob, Func<int, string, string> Page);

/// <summary>
/// Everything one gallery page shows, resolved: the rows of this page in order with their rank, each result's URLs
/// and whether a pending one has stalled, the pager's links. <see cref="GalleryPage"/> renders it; its
/// <see cref="ContentHash"/> says whether a page written before shows the same (the update time is left out).
/// </summary>
public sealed record GalleryPageModel
{
    public required string Batch { get; init; }

    [JsonIgnore]
    public DateTimeOffset UpdatedUtc { get; init; }

    public int Uploads { get; init; }
    public int Refused { get; init; }
    public required IReadOnlyList<RepresentationSummary> Summary { get; init; }
    public required IReadOnlyList<string> Representations { get; init; }
    public required PagerModel Pager { get; init; }
    public required IReadOnlyList<RowModel> Rows { get; init; }
    public int StalledAfterMinutes { get; init; }

    /// <summary>The page's content as SHA-256 of its JSON, without <see cref="UpdatedUtc"/>.</summary>
    public string ContentHash() =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this, PipelineJson.Options)));

    /// <summary>The model of page <paramref name="page"/> (clamped to the pages there are) in order
    /// <paramref name="sort"/>; pending results older than their stall time at <paramref name="now"/> are
    /// stalled.</summary>
    public static GalleryPageModel Build(
        BatchReport report,
        int page,
        int pageSize,
        string sort,
        GalleryLinks links,
        int stalledAfterMinutes,
        DateTimeOffset now
    )
    {
        var sorted = Ranking.Sort(report.Rows, sort);
        int pages = Math.Max(1, (sorted.Count + pageSize - 1) / pageSize);
        page = Math.Clamp(page, 1, pages);
        var shown = sorted.Skip((page - 1) * pageSize).Take(pageSize).ToList();
        var reps = report.Representations.Select(r => r.Representation).ToList();
        int first = (page - 1) * pageSize;
        return new GalleryPageModel
        {
            Batch = report.Batch,
            UpdatedUtc = report.UpdatedUtc,
            Uploads = report.Uploads,
            Refused = report.Refused,
            Summary = report.Representations,
            Representations = reps,
            Pager = PagerModel.Build(links, page, pages, sort, shown.Count, sorted.Count, pageSize, reps),
            Rows = shown.Select((row, i) => RowModel.Build(row, first + i + 1, reps, links, now)).ToList(),
            StalledAfterMinutes = stalledAfterMinutes,
        };
    }
}

/// <summary>The pager: which rows are shown, previous/next links and the other orders of the whole batch.</summary>
public sealed record PagerModel(
    int First,
    int Last,
    int Total,
    int Page,
    int Pages,
    string Sort,
    string? Previous,
    string? Next,
    IReadOnlyList<OrderLink> Orders
)
{
    public static PagerModel Build(
        GalleryLinks links,
        int page,
        int pages,
        string sort,
        int shown,
        int total,
        int pageSize,
        IReadOnlyList<string> reps
    )
    {
        int first = total == 0 ? 0 : (page - 1) * pageSize + 1;
        var orders = new List<string> { Ranking.Default, Ranking.Name };
        orders.AddRange(reps.Select(r => Ranking.ErrorPrefix + r));
        return new PagerModel(
            first,
            first + shown - (shown > 0 ? 1 : 0),
            total,
            page,
            pages,
            sort,
            page > 1 ? links.Page(page - 1, sort) : null,
            page < pages ? links.Page(page + 1, sort) : null,
            orders
                .Where(o => o != sort)
                .Select(o => new OrderLink(o, links.Page(1, o)))
                .Where(l => l.Href.Length > 0)
                .ToList()
        );
    }
}

public sealed record OrderLink(string Order, string Href);

/// <summary>One upload's row: its rank, thumbnail and decoder-input URLs, and one cell per representation.</summary>
public sealed record RowModel
{
    public required int Rank { get; init; }
    public required ImageRow Row { get; init; }
    public string? ThumbnailUrl { get; init; }
    public string? DecoderInputUrl { get; init; }
    public int? DecoderInputSize { get; init; }

    /// <summary>The client-side sort keys: data-rank, data-name, data-reveal, data-e{i} per representation.</summary>
    public required IReadOnlyDictionary<string, object> SortKeys { get; init; }
    public required IReadOnlyList<CellModel?> Cells { get; init; }

    public static RowModel Build(
        ImageRow row,
        int rank,
        IReadOnlyList<string> reps,
        GalleryLinks links,
        DateTimeOffset now
    )
    {
        var keys = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["data-rank"] = rank.ToString(CultureInfo.InvariantCulture),
            ["data-name"] = row.ImageBlob,
            ["data-reveal"] = GalleryFormat.Key(row.Reveal),
        };
        for (int i = 0; i < reps.Count; i++)
            keys[$"data-e{i}"] = GalleryFormat.Key(
                row.Results.FirstOrDefault(c =>
                    c.Representation == reps[i] && c.Status == JobStatus.Done
                )?.NormalizedError
            );
        var crop = row.Results.FirstOrDefault(c => c.Original is not null);
        return new RowModel
        {
            Rank = rank,
            Row = row,
            ThumbnailUrl = row.Thumbnail is null ? null : links.Blob(row.Thumbnail),
            DecoderInputUrl = crop is null ? null : links.Blob(crop.Original!),
            DecoderInputSize = crop?.ImageSize,
            SortKeys = keys,
            Cells = reps.Select(rep =>
                    row.Results.FirstOrDefault(c => c.Representation == rep) is { } cell
                        ? CellModel.Build(cell, links, now)
                        : null
                )
                .ToList(),
        };
    }
}

/// <summary>One result: the cell, its blobs' URLs, and whether it is pending past its stall time.</summary>
public sealed record CellModel(
    ResultCell Cell,
    string? ReconstructionUrl,
    string? EnergyUrl,
    string? MetricsUrl,
    bool Stalled,
    string? WholeReconstructionUrl = null,
    string? WholeOriginalUrl = null
)
{
    public static CellModel Build(ResultCell cell, GalleryLinks links, DateTimeOffset now) =>
        new(
            cell,
            cell.Reconstruction is null ? null : links.Blob(cell.Reconstruction),
            cell.FeatureEnergy is null ? null : links.Blob(cell.FeatureEnergy),
            cell.Metrics is null ? null : links.Blob(cell.Metrics),
            cell.Status is not (JobStatus.Done or JobStatus.Failed) && cell.StalledAfterUtc is { } after && now > after,
            // A feature file's reconstruction is already the whole image: not shown twice.
            cell.Whole
                is { } w
            && w.Reconstruction != cell.Reconstruction
                ? links.Blob(w.Reconstruction)
                : null,
            cell.Whole?.Original is { } original ? links.Blob(original) : null
        );
}
