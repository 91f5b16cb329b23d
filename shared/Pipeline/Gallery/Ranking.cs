namespace FeatureInversion.Pipeline.Gallery;

/// <summary>
/// How gallery rows are ordered. The default, <see cref="Default"/> ("reveal"), puts first the images whose features
/// reveal most: the highest <see cref="Reveal"/> score over their representations. Other orders: "name",
/// and "error:{representation}" (that representation's error, lowest first). Rows without the sort key (pending,
/// failed) follow those with one; refused uploads come last; ties go by name.
/// </summary>
public static class Ranking
{
    public const string Default = "reveal",
        Name = "name",
        ErrorPrefix = "error:";

    /// <summary>What the reveal score means, for the gallery's header and tooltip.</summary>
    public const string RevealDefinition =
        "reveals = 1 − error ÷ baseline for the image's best representation: 0 when the reconstruction is no closer "
        + "than the mean image, 1 when it is exact; higher means the features reveal more (below 0: worse than "
        + "the mean image)";

    /// <summary>The row's reveal score: 1 − min over finished results of error ÷ baseline (1 − the error alone where
    /// there is no baseline). Higher reveals more.</summary>
    public static double? Reveal(IEnumerable<ResultCell> cells)
    {
        double? best = null;
        foreach (var c in cells)
        {
            if (c.Status != JobStatus.Done || c.NormalizedError is not { } e)
                continue;
            double ratio = c.BaselineError is { } b && b > 0 ? e / b : e;
            if (best is null || ratio < best)
                best = ratio;
        }
        return best is { } r ? 1 - r : null;
    }

    /// <summary>Why <paramref name="sort"/> is not an order of these representations, or null.</summary>
    public static string? Problem(string sort, IEnumerable<string> representations)
    {
        if (sort is Default or Name)
            return null;
        if (
            sort.StartsWith(ErrorPrefix, StringComparison.Ordinal)
            && representations.Contains(sort[ErrorPrefix.Length..], StringComparer.Ordinal)
        )
            return null;
        return $"sort must be '{Default}', '{Name}' or '{ErrorPrefix}<representation>' with one of: "
            + $"{string.Join(", ", representations)}";
    }

    public static List<ImageRow> Sort(IEnumerable<ImageRow> rows, string sort)
    {
        Func<ImageRow, double?> key =
            sort == Name ? _ => 0
            : sort.StartsWith(ErrorPrefix, StringComparison.Ordinal)
                ? r =>
                    r.Results.FirstOrDefault(c =>
                        c.Representation == sort[ErrorPrefix.Length..] && c.Status == JobStatus.Done
                    )?.NormalizedError
            : r => -r.Reveal; // highest first
        return rows.OrderBy(r =>
                r.Status == UploadStatus.Refused ? 2
                : key(r) is null ? 1
                : 0
            )
            .ThenBy(r => key(r) ?? 0)
            .ThenBy(r => r.ImageBlob, StringComparer.Ordinal)
            .ToList();
    }
}
