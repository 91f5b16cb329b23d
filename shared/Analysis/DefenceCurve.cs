using System.Globalization;
using System.Text.Json;
using FeatureInversion.Analysis.Audit;

namespace FeatureInversion.Analysis;

/// <summary>
/// The audit's defence curve (docs/results.md): per level — a fraction of keypoints kept, or descriptors stored at a
/// number of bits — the error against the mean image's and the top-1 re-identification rates, with chance. Built
/// from an <see cref="AuditReport"/> or read back from the JSON the <c>audit</c> verb records (<c>-o</c>), so the
/// figure is redrawn from recorded results without the photos.
/// </summary>
public sealed record DefenceCurve(
    string Source,
    int Audited,
    double ChanceTop1,
    IReadOnlyList<DefenceCurve.Level> Levels
)
{
    /// <summary>One level: keypoints kept (<see cref="Keep"/>) or, with all kept, descriptors at <see cref="Bits"/>
    /// bits per value.</summary>
    public sealed record Level(double Keep, int? Bits, double ErrorVsMeanImage, double PixelTop1, double? CnnTop1)
    {
        public string Label => DefenceCurve.Label(Keep, Bits);
    }

    public static DefenceCurve From(AuditReport report) =>
        new(
            report.Source,
            report.Audited,
            report.ChanceTop1,
            report.Levels.Select(l => new Level(l.Keep, l.Bits, l.ErrorVsMeanImage, l.PixelTop1, l.CnnTop1)).ToList()
        );

    /// <summary>Reads the report <c>audit -o</c> wrote (its Source, Audited, ChanceTop1 and Levels).</summary>
    public static DefenceCurve FromJson(string json, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var levels = root.GetProperty(nameof(Levels))
                .EnumerateArray()
                .Select(l => new Level(
                    l.GetProperty("Keep").GetDouble(),
                    l.TryGetProperty("Bits", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt32() : null,
                    l.GetProperty("ErrorVsMeanImage").GetDouble(),
                    l.GetProperty("PixelTop1").GetDouble(),
                    l.TryGetProperty("CnnTop1", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : null
                ))
                .ToList();
            if (levels.Count == 0)
                throw new InvalidDataException($"{name}: the audit report has no levels.");
            return new DefenceCurve(
                root.GetProperty(nameof(Source)).GetString() ?? "",
                root.GetProperty(nameof(Audited)).GetInt32(),
                root.GetProperty(nameof(ChanceTop1)).GetDouble(),
                levels
            );
        }
        catch (Exception e)
            when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{name}: not an audit report written by 'audit -o' ({e.Message}).", e);
        }
    }

    /// <summary>A level's name: the fraction of keypoints kept, or the descriptors' bits per value.</summary>
    public static string Label(double keep, int? bits) =>
        bits is { } b ? $"{b}-bit" : keep.ToString("P0", CultureInfo.InvariantCulture);

    /// <summary>The curve as PNG bytes: error ratio and re-identification rates against the levels.</summary>
    public byte[] RenderPng()
    {
        var series = new List<PlotSeries>
        {
            new("error / mean image's", (0.8f, 0.2f, 0.2f), Levels.Select(l => (double?)l.ErrorVsMeanImage).ToList()),
            new(
                "top-1 re-identification (pixels)",
                (0.2f, 0.4f, 0.8f),
                Levels.Select(l => (double?)l.PixelTop1).ToList()
            ),
            new("top-1 re-identification (ResNet18)", (0.2f, 0.6f, 0.3f), Levels.Select(l => l.CnnTop1).ToList()),
            new("chance (top-1)", (0.5f, 0.5f, 0.5f), Levels.Select(_ => (double?)ChanceTop1).ToList(), Dashed: true),
        };
        double top = Math.Max(1.05, Levels.Max(l => l.ErrorVsMeanImage) + 0.05);
        bool bits = Levels.Any(l => l.Bits is not null);
        bool kept = Levels.Any(l => l.Bits is null && l.Keep < 1);
        return ErrorCurvePlot.Render(
            $"What {Source} reveals ({Audited} photos)",
            Levels.Select(l => l.Label).ToList(),
            series.Where(s => s.Values.All(v => v is not null)).ToList(),
            0,
            top,
            xLabel: (kept, bits) switch
            {
                (_, false) => "keypoints kept",
                (false, true) => "descriptor bits per value (all keypoints kept)",
                _ => "keypoints kept · descriptor bits per value",
            },
            yLabel: "error ratio / re-identification rate"
        );
    }
}
