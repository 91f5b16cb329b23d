using System.Globalization;
using System.Runtime.InteropServices;
using FeatureInversion.Features.Sift;
using FeatureInversion.Oracle;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// Times our HOG (cell 8), LBP (cell 16) and SIFT (detect + describe) against VLFeat 0.9.21 through P/Invoke on
/// the same grayscale images, one thread each, and prints the speed-up (VLFeat time / our time) by minima (the
/// least disturbed run of each) and by medians.
/// </summary>
internal static class FeatureBenchmark
{
    public static int Run(string[] args)
    {
        string? dir = null;
        double seconds = 2;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--images" && i + 1 < args.Length)
                dir = args[++i];
            else if (args[i] == "--seconds" && i + 1 < args.Length)
                seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}");
                return 2;
            }
        }
        if (!VlFeat.IsAvailable)
        {
            Console.Error.WriteLine("libvl.so.1 not found: apt-get install libvlfeat1");
            return 1;
        }

        var images = dir is null
            ? DefaultImages()
            : Directory.GetFiles(dir).Order().Select(p => (Path.GetFileName(p), ImageFiles.Load(p).ToGray())).ToList();
        Console.WriteLine(
            $"# {RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} cores, "
                + $"{RuntimeInformation.FrameworkDescription}, Vector<float>.Count = "
                + $"{System.Numerics.Vector<float>.Count}; single-threaded, interleaved runs"
        );
        Console.WriteLine(
            "| image | size | extractor | ours min / median (ms) | VLFeat min / median (ms) | speed-up by minima "
                + "| by medians | output |"
        );
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---|");

        var hog = new HogExtractor();
        var lbp = new LbpExtractor();
        var sift = new SiftDetector();
        using var vlHog = new VlFeat.HogRunner();
        using var vlLbp = new VlFeat.LbpRunner();
        foreach (var (name, gray) in images)
        {
            string size = $"{gray.Width}x{gray.Height}";
            var hogOut = new float[hog.OutputShape(gray.Width, gray.Height).Length];
            var times = Timing.Measure(
                () => hog.Extract(gray, hogOut),
                () => vlHog.Run(gray.Pixels, gray.Width, gray.Height, 8),
                seconds
            );
            Row(name, size, "HOG cell 8", times, hog.OutputShape(gray.Width, gray.Height).ToString());

            var lbpOut = new float[lbp.OutputShape(gray.Width, gray.Height).Length];
            times = Timing.Measure(
                () => lbp.Extract(gray, lbpOut),
                () => vlLbp.Run(gray.Pixels, gray.Width, gray.Height, 16),
                seconds
            );
            Row(name, size, "LBP cell 16", times, lbp.OutputShape(gray.Width, gray.Height).ToString());

            var scaled = gray.Scaled(SiftDetector.IntensityScale).Pixels;
            int count = 0;
            times = Timing.Measure(
                () => count = sift.Detect(gray).Count,
                () => VlFeat.Sift(scaled, gray.Width, gray.Height),
                seconds,
                minRuns: 7
            );
            Row(name, size, "SIFT detect+describe", times, $"{count} descriptors");
        }
        return 0;
    }

    private static void Row(string name, string size, string extractor, Timing.Paired t, string output) =>
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {size} | {extractor} | {t.MinA:F3} / {t.MedianA:F3} | {t.MinB:F3} / {t.MedianB:F3} "
                    + $"| {t.MinB / t.MinA:F2}x | {t.MedianB / t.MedianA:F2}x | {output} |"
            )
        );

    /// <summary>The committed test photographs plus one resized to the notes' reference sizes.</summary>
    private static List<(string, GrayImage)> DefaultImages()
    {
        string photos = FindPhotos();
        var coffee = ImageFiles.Load(Path.Combine(photos, "coffee-480x320.jpg"));
        var camera = ImageFiles.Load(Path.Combine(photos, "camera-256x256.jpg"));
        return
        [
            ("camera", camera.ToGray()),
            ("coffee", coffee.ToGray()),
            ("coffee (resized)", ImageFiles.Resize(coffee, 640, 480).ToGray()),
            ("coffee (resized)", ImageFiles.Resize(coffee, 1024, 768).ToGray()),
        ];
    }

    private static string FindPhotos()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "data", "photos");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("tests/data/photos not found; pass --images DIR");
    }
}
