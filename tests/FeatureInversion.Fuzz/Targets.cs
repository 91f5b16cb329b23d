using FeatureInversion.Imaging;
using FeatureInversion.Imaging.IO;

namespace FeatureInversion.Fuzz;

/// <summary>
/// One harness per parser of untrusted bytes. Each feeds the input to the code path uploads and CLI files take and
/// accepts only the refusal that path promises (<see cref="InvalidImageException"/>, <see
/// cref="InvalidDataException"/>); any other exception, a hang (afl's timeout) or running out of memory is a finding.
/// </summary>
internal static class Targets
{
    public static IReadOnlyDictionary<string, Action<Stream>> All { get; } =
        new Dictionary<string, Action<Stream>>
        {
            ["image"] = input => Bounded(Image, input),
            ["npy"] = input => Bounded(Npy, input),
        };

    /// <summary>Most managed memory one input may allocate (the CLI's budget for a whole run is 600 MB): more is a
    /// finding, thrown so that afl keeps the input. Counted per input (GC.GetTotalAllocatedBytes), not read from the
    /// process's resident size: this long-lived process holds garbage the collector has not reclaimed yet, which once
    /// sampled at
    /// 7.3–8.8 GB and, checked as a high-water mark, failed every later input.</summary>
    private const long MaxAllocatedBytes = 512L << 20;

    private static void Bounded(Action<Stream> target, Stream input)
    {
        long before = GC.GetTotalAllocatedBytes(precise: false);
        target(input);
        long allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        if (allocated > MaxAllocatedBytes)
            throw new InsufficientMemoryException($"one input allocated {allocated >> 20} MiB of managed memory");
    }

    /// <summary>Lower than the product's 40 megapixels: the harness looks for parser faults, and any image near the
    /// limit takes seconds to decode (a 117-byte WebP declaring 4136×8248 took 6 s and 284 MB, which afl counts as a
    /// hang); the cost of images at the limit is measured by the hostile corpus (docs/reliability.md).
    /// Made on first use, never in a static initialiser: instrumented code (ImageLimits is ours) may run only once
    /// SharpFuzz has mapped afl's coverage memory, inside <c>Fuzzer.OutOfProcess.Run</c>.</summary>
    private static ImageLimits? _limits;

    /// <summary>What ingestion does with an upload: read within the byte limit, inspect, decode the decoder's
    /// views.</summary>
    private static void Image(Stream input)
    {
        try
        {
            var limits = _limits ??= new ImageLimits { MaxPixels = 4_000_000 };
            var bytes = ImageFiles.ReadLimited(input, "fuzz", limits);
            ImageFiles.DecodeViews(bytes, "fuzz", [64, 128], limits);
        }
        catch (InvalidImageException) { }
    }

    /// <summary>What <c>reconstruct</c> and the worker do with a feature array.</summary>
    private static void Npy(Stream input)
    {
        try
        {
            NpyFile.Read(input, "fuzz");
        }
        catch (InvalidDataException) { }
    }
}
