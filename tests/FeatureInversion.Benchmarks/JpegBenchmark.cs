using System.Globalization;
using System.Runtime.InteropServices;
using FeatureInversion.Imaging.Integrity;
using FeatureInversion.Imaging.Jpeg;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// What a JPEG costs to check and decode, the two ways (issue 28): the completeness walk (<see cref="JpegIntegrity"/>)
/// followed by ImageSharp's decode to 8-bit RGB, as every JPEG was read before, against the one pass
/// (<see cref="JpegOnePass"/>: the walk keeps the coefficients and makes ImageSharp's pixels from them). Per JPEG of a
/// folder, medians of interleaved runs, one thread; the walk's own time is measured too, for its share of the old way.
/// Every file must be complete (a refused photo would be timed at its first error); the pass must give ImageSharp's
/// bytes for every file it decodes itself.
/// </summary>
internal static class JpegBenchmark
{
    public static int Run(string[] args)
    {
        var dirs = new List<string>();
        double seconds = 0.3;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--images" && i + 1 < args.Length)
                dirs.Add(args[++i]);
            else if (args[i] == "--seconds" && i + 1 < args.Length)
                seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}");
                return 2;
            }
        }
        if (dirs.Count == 0)
            dirs.AddRange(["data/photos/train", "data/photos/test"]);
        var files = dirs.SelectMany(d => Directory.GetFiles(d))
            .Where(f =>
                f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase)
            )
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"no JPEG files in {string.Join(", ", dirs)}");
            return 1;
        }
        if (!JpegPixels.Supported)
        {
            Console.Error.WriteLine("no AVX2 here: every JPEG is read the old way, nothing to compare");
            return 1;
        }
        Console.WriteLine(
            $"# {RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} cores, "
                + $"{RuntimeInformation.FrameworkDescription}; {files.Count} JPEGs; medians of interleaved runs, one "
                + "thread"
        );
        Console.WriteLine(
            "| photo | pixels | progressive | walk (ms) | walk + decode (ms) | one pass (ms) | one pass ÷ before |"
        );
        Console.WriteLine("|---|---:|:-:|---:|---:|---:|---:|");
        double walkTotal = 0,
            beforeTotal = 0,
            passTotal = 0;
        int own = 0;
        var ratios = new List<double>();
        var configuration = ImageFiles.DecodingConfiguration; // the pipeline's: small pool, contiguous buffers
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            if (JpegIntegrity.Problem(bytes) is { } problem)
            {
                Console.Error.WriteLine($"{file}: refused by the walk ({problem}); not timed");
                return 1;
            }
            using (var theirs = Image.Load<Rgb24>(configuration, bytes))
            {
                var (ours, _) = JpegOnePass.Decode(bytes, configuration);
                using (ours)
                {
                    if (ours is not null && !SamePixels(ours, theirs))
                    {
                        Console.Error.WriteLine($"{file}: the one pass's pixels are not ImageSharp's");
                        return 1;
                    }
                    own += ours is null ? 0 : 1;
                }
            }
            var header = ImageFiles.ReadHeader(file);
            var (walk, _) = Timing.MedianMilliseconds(() => JpegIntegrity.Problem(bytes), () => { }, seconds / 3, 5);
            var (before, pass) = Timing.MedianMilliseconds(
                () =>
                {
                    JpegIntegrity.Problem(bytes);
                    using var image = Image.Load<Rgb24>(configuration, bytes);
                },
                () =>
                {
                    var (image, _) = JpegOnePass.Decode(bytes, configuration);
                    image?.Dispose();
                },
                seconds,
                minRuns: 5
            );
            walkTotal += walk;
            beforeTotal += before;
            passTotal += pass;
            ratios.Add(pass / before);
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {Path.GetFileName(file)} | {header.Width}x{header.Height} | "
                        + $"{(IsProgressive(bytes) ? "yes" : "")} | {walk:0.00} | {before:0.00} | {pass:0.00} | "
                        + $"{pass / before:0.00} |"
                )
            );
        }
        ratios.Sort();
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"all {files.Count} ({own} decoded by the pass itself, {files.Count - own} by ImageSharp after it): "
                    + $"walk {walkTotal:0} ms, walk + decode {beforeTotal:0} ms (walk {walkTotal / beforeTotal:P1}), "
                    + $"one pass {passTotal:0} ms: {passTotal / beforeTotal:0.00} of before (per file: median "
                    + $"{ratios[ratios.Count / 2]:0.00}, max {ratios[^1]:0.00})"
            )
        );
        return 0;
    }

    private static bool SamePixels(Image<Rgb24> a, Image<Rgb24> b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
            return false;
        var x = new byte[3 * a.Width * a.Height];
        var y = new byte[x.Length];
        a.CopyPixelDataTo(x);
        b.CopyPixelDataTo(y);
        return x.AsSpan().SequenceEqual(y);
    }

    /// <summary>Whether the frame header is progressive (SOF2), found by walking the segments from SOI by their
    /// lengths: a search for the bytes FF C0–C2 also finds them inside other segments (an EXIF thumbnail's own frame
    /// header, other data) and classed 22 of the 290 photos here wrongly.</summary>
    private static bool IsProgressive(byte[] b)
    {
        for (int i = 2; i + 4 <= b.Length && b[i] == 0xFF; i += 2 + (b[i + 2] << 8 | b[i + 3]))
            if (b[i + 1] is 0xC0 or 0xC1 or 0xC2)
                return b[i + 1] == 0xC2;
        return false;
    }
}
