using System.Globalization;
using System.Runtime.InteropServices;
using FeatureInversion.Features.Sift;
using FeatureInversion.Oracle;

namespace FeatureInversion.Benchmarks;

/// <summary>
/// Times our HOG (cell 8), LBP (cell 16) and SIFT (detect + describe) against VLFeat 0.9.21 through P/Invoke on
/// the same grayscale images, one thread each, and prints the speed-up (VLFeat time / our time).
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
                + $"{System.Numerics.Vector<float>.Count}; single-threaded medians"
        );
        Console.WriteLine("| image | size | extractor | ours (ms) | VLFeat (ms) | speed-up | output |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---|");

        var hog = new HogExtractor();
        var lbp = new LbpExtractor();
        var sift = new SiftDetector();
        using var vlHog = new VlFeat.HogRunner();
        using var vlLbp = new VlFeat.LbpRunner();
        foreach (var (name, gray) in images)
        {
            string size = $"{gray.Width}x{gray.Height}";
            var hogOut = new float[hog.OutputShape(gray.Width, gray.Height).Length];
            var (ours, theirs) = Timing.MedianMilliseconds(
                () => hog.Extract(gray, hogOut),
                () => vlHog.Run(gray.Pixels, gray.Width, gray.Height, 8),
                seconds
            );
            Row(name, size, "HOG cell 8", ours, theirs, hog.OutputShape(gray.Width, gray.Height).ToString());

            var lbpOut = new float[lbp.OutputShape(gray.Width, gray.Height).Length];
            (ours, theirs) = Timing.MedianMilliseconds(
                () => lbp.Extract(gray, lbpOut),
                () => vlLbp.Run(gray.Pixels, gray.Width, gray.Height, 16),
                seconds
            );
            Row(name, size, "LBP cell 16", ours, theirs, lbp.OutputShape(gray.Width, gray.Height).ToString());

            var scaled = gray.Scaled(SiftDetector.IntensityScale).Pixels;
            int count = 0;
            (ours, theirs) = Timing.MedianMilliseconds(
                () => count = sift.Detect(gray).Count,
                () => VlFeat.Sift(scaled, gray.Width, gray.Height),
                seconds,
                minRuns: 7
            );
            Row(name, size, "SIFT detect+describe", ours, theirs, $"{count} descriptors");
        }
        return 0;
    }

    private static void Row(string name, string size, string extractor, double ours, double theirs, string output) =>
        Console.WriteLine(
            string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {size} | {extractor} | {ours:F3} | {theirs:F3} | {theirs / ours:F2}x | {output} |"
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
