using System.Globalization;
using System.Runtime.InteropServices;
using FeatureInversion.Imaging.Integrity;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// What the JPEG completeness walk (<see cref="JpegIntegrity"/>) costs beside the decode it guards: per JPEG of a
/// folder, the median time of the walk and of ImageSharp's decode to 8-bit RGB, interleaved, one thread; the walk's
/// share of walk + decode per file and over the folder. Every file must pass the walk (a refused photo would be timed
/// at its first error).
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
        Console.WriteLine(
            $"# {RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} cores, "
                + $"{RuntimeInformation.FrameworkDescription}; {files.Count} JPEGs; medians of interleaved runs, one "
                + "thread"
        );
        Console.WriteLine("| photo | pixels | progressive | walk (ms) | decode (ms) | walk share |");
        Console.WriteLine("|---|---:|:-:|---:|---:|---:|");
        double walkTotal = 0,
            decodeTotal = 0;
        var shares = new List<double>();
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            if (JpegIntegrity.Problem(bytes) is { } problem)
            {
                Console.Error.WriteLine($"{file}: refused by the walk ({problem}); not timed");
                return 1;
            }
            var header = ImageFiles.ReadHeader(file);
            var (walk, decode) = Timing.MedianMilliseconds(
                () => JpegIntegrity.Problem(bytes),
                () =>
                {
                    using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(bytes);
                },
                seconds,
                minRuns: 5
            );
            walkTotal += walk;
            decodeTotal += decode;
            shares.Add(walk / (walk + decode));
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {Path.GetFileName(file)} | {header.Width}x{header.Height} | "
                        + $"{(IsProgressive(bytes) ? "yes" : "")} | {walk:0.00} | {decode:0.00} | "
                        + $"{walk / (walk + decode):P1} |"
                )
            );
        }
        shares.Sort();
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"all {files.Count}: walk {walkTotal:0} ms, decode {decodeTotal:0} ms, walk share "
                    + $"{walkTotal / (walkTotal + decodeTotal):P1} (per file: median {shares[shares.Count / 2]:P1}, "
                    + $"max {shares[^1]:P1})"
            )
        );
        return 0;
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
