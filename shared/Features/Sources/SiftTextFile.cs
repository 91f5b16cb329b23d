using System.Globalization;
using System.Text;
using FeatureInversion.Features.Sift;

namespace FeatureInversion.Features.Sources;

/// <summary>
/// SIFT keypoints as text, the two layouts that share the header <c>N 128</c>:
/// <list type="bullet">
/// <item>Lowe's <c>.key</c> (siftDemoV4, and every tool that writes "UBC" files): per keypoint a line
/// <c>row col scale orientation</c>, then the 128 descriptor integers over following lines (20 per line). Read as
/// VLFeat's <c>vl_ubcread</c> reads it: x = col, y = row (0-based pixel centres, as VLFeat's C frames), the
/// orientation negated, the descriptor's orientation bins reordered from UBC order and L2-normalised (Lowe's values
/// are the clamped, L2-normalised descriptor ×512).</item>
/// <item>COLMAP's feature text (what <c>colmap feature_importer</c> reads, <c>LoadSiftFeaturesFromTextFile</c>): per
/// keypoint one line <c>X Y SCALE ORIENTATION D_1 … D_128</c>, values the database would hold: positions with the
/// top-left pixel's centre at (0.5, 0.5), orientation in radians, descriptors uint8 in UBC order. Read as
/// <see cref="ColmapDatabase"/> reads the same values from a database (checked: the file and the database
/// <c>feature_importer</c> makes from it read alike); the descriptors are taken as COLMAP's own, L1-root
/// normalised.</item>
/// </list>
/// The layout is told by the first keypoint's line: 4 numbers (Lowe) or 132 (COLMAP). Neither stores the image size:
/// it is given, or taken as the keypoints' extent (and said).
/// </summary>
public static class SiftTextFile
{
    public const string SourceName = "SIFT keypoints as text (Lowe .key / COLMAP)";
    public const string LoweLayout = "Lowe .key";
    public const string ColmapLayout = "COLMAP feature text";

    private static readonly System.Buffers.SearchValues<byte> HeaderBytes = System.Buffers.SearchValues.Create(
        "0123456789 \t"u8
    );

    /// <summary>Whether a file starts with the header of either layout: two whole numbers, the second 128.</summary>
    public static bool LooksLikeOne(ReadOnlySpan<byte> head)
    {
        int end = head.IndexOfAny((byte)'\n', (byte)'\r');
        if (end < 0)
            end = head.Length;
        var line = head[..end];
        if (line.Length > 40 || line.ContainsAnyExcept(HeaderBytes))
            return false;
        var tokens = Encoding.ASCII.GetString(line).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return tokens is [_, "128"];
    }

    public static DescriptorFile Read(
        string path,
        (int Width, int Height)? imageSize = null,
        DescriptorLimits? limits = null
    )
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path), imageSize, limits);
    }

    public static DescriptorFile Read(
        Stream stream,
        string name,
        (int Width, int Height)? imageSize = null,
        DescriptorLimits? limits = null
    )
    {
        limits ??= DescriptorLimits.Default;
        using var reader = new StreamReader(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false);
        var header = Numbers(reader.ReadLine(), name, 1);
        if (header is not [var count, 128] || count < 0 || count != Math.Floor(count))
            throw new InvalidDataException(
                $"{name}: the first line must be 'N 128' (the keypoint count and SIFT's descriptor length)."
            );
        int n = (int)Math.Min(count, int.MaxValue);
        if (n > limits.MaxKeypoints)
            throw new InvalidDataException($"{name}: {n:N0} keypoints, over the {limits.MaxKeypoints:N0} allowed.");

        var frames = new List<SiftFeature>(n);
        string? layout = null;
        int lineNumber = 1;
        var descriptor = new float[DescriptorConventions.Length];
        var values = new List<double>(4 + DescriptorConventions.Length);
        for (int i = 0; i < n; i++)
        {
            values.Clear();
            // One record: its first line tells the layout; a Lowe record continues over the next lines.
            while (values.Count < 4 + DescriptorConventions.Length)
            {
                string? line = reader.ReadLine();
                lineNumber++;
                if (line is null)
                    throw new InvalidDataException(
                        $"{name}: the file ends inside keypoint {i + 1} of {n} (line {lineNumber})."
                    );
                var numbers = Numbers(line, name, lineNumber);
                if (values.Count == 0)
                {
                    string found = numbers.Length switch
                    {
                        4 => LoweLayout,
                        4 + DescriptorConventions.Length => ColmapLayout,
                        _ => throw new InvalidDataException(
                            $"{name}: line {lineNumber} has {numbers.Length} numbers; a keypoint starts with 4 "
                                + $"(Lowe: row col scale orientation) or 132 (COLMAP: x y scale orientation and the "
                                + $"descriptor)."
                        ),
                    };
                    if (layout is not null && found != layout)
                        throw new InvalidDataException($"{name}: line {lineNumber} mixes the two layouts.");
                    layout = found;
                }
                values.AddRange(numbers);
            }
            if (values.Count != 4 + DescriptorConventions.Length)
                throw new InvalidDataException(
                    $"{name}: keypoint {i + 1} has {values.Count - 4} descriptor values, SIFT has 128 (line "
                        + $"{lineNumber})."
                );
            frames.Add(Frame(values, layout!, descriptor, name, i));
        }
        if (reader.ReadLine() is { } extra && extra.Trim().Length > 0)
            throw new InvalidDataException($"{name}: more lines than the {n} keypoints the header announces.");

        var notes = new List<string>
        {
            layout == ColmapLayout
                ? "descriptors: COLMAP uint8 (L1-root, UBC order) converted to VLFeat's L2 order; positions −½ px"
                : "Lowe .key read as VLFeat's vl_ubcread: (row, col) as (y, x), orientation negated, descriptors (UBC "
                    + "order, ×512) converted to VLFeat's L2 order",
        };
        var (width, height) = imageSize ?? KeypointSet.Extent(frames, notes);
        limits.CheckSize(name, width, height);
        string image = Path.GetFileNameWithoutExtension(name);
        return new DescriptorFile(
            SourceName,
            [new KeypointSet(image, width, height, frames, $"{SourceName}: {layout ?? "no keypoints"}", notes)],
            []
        );
    }

    private static SiftFeature Frame(List<double> v, string layout, float[] buffer, string name, int i)
    {
        for (int k = 0; k < DescriptorConventions.Length; k++)
        {
            double d = v[4 + k];
            if (!(d >= 0 && d <= 255))
                throw new InvalidDataException(
                    $"{name}: keypoint {i + 1} has descriptor value {d}; SIFT text files hold 0 to 255."
                );
            buffer[k] = (float)d;
        }
        if (!(v[2] > 0))
            throw new InvalidDataException($"{name}: keypoint {i + 1} has scale {v[2]}; a scale is positive.");
        if (layout == LoweLayout)
            return new SiftFeature(
                (float)v[1],
                (float)v[0],
                (float)v[2],
                DescriptorConventions.WrapAngle(-v[3]),
                DescriptorConventions.FromUbcLinear(buffer)
            );
        Span<byte> stored = stackalloc byte[DescriptorConventions.Length];
        for (int k = 0; k < stored.Length; k++)
            stored[k] = (byte)buffer[k]; // COLMAP truncates, as its importer does
        return new SiftFeature(
            (float)v[0] - 0.5f,
            (float)v[1] - 0.5f,
            (float)v[2],
            DescriptorConventions.WrapAngle(v[3]),
            DescriptorConventions.FromColmap(stored)
        );
    }

    /// <summary>The numbers of a line, each finite; anything else is an error naming the line.</summary>
    private static double[] Numbers(string? line, string name, int lineNumber)
    {
        if (line is null)
            throw new InvalidDataException($"{name}: empty file.");
        if (line.Length > 64 * 1024)
            throw new InvalidDataException($"{name}: line {lineNumber} is longer than any SIFT text line.");
        var tokens = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var numbers = new double[tokens.Length];
        for (int t = 0; t < tokens.Length; t++)
            if (
                !double.TryParse(tokens[t], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[t])
                || !double.IsFinite(numbers[t])
            )
                throw new InvalidDataException($"{name}: line {lineNumber}: '{tokens[t]}' is not a finite number.");
        return numbers;
    }
}
