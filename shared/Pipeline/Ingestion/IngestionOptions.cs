using System.ComponentModel.DataAnnotations;
using FeatureInversion.Imaging;

namespace FeatureInversion.Pipeline.Ingestion;

/// <summary>What ingestion accepts and computes: the upload limits and the representations queued for every image
/// (section <see cref="PipelineSection.Name"/>).</summary>
public sealed class IngestionOptions
{
    /// <summary>The representations a host computes when none are configured.</summary>
    public static IReadOnlyList<string> DefaultRepresentations { get; } = ["hog", "sift-grid", "lbp"];

    /// <summary>Representations computed for every image; one job each, with the newest published decoder. Each must be
    /// one the host's representation registry offers (the function app: the hand-designed ones). A configured list
    /// replaces this default (it is not appended to it).</summary>
    [MinLength(1)]
    public string[] Representations { get; set; } = [.. DefaultRepresentations];

    /// <summary>The decoder size served (image side in pixels: 64, 128 or 256): each representation's newest promoted
    /// decoder at this size, else at the largest smaller size that has one. 64 by default (the shipped CPU-sized
    /// decoders); the GPU deployment serves 128 (infra/main.bicep, the size its scheduled retrain trains at).</summary>
    [AllowedValues(64, 128, 256)]
    public int DecoderSize { get; set; } = 64;

    /// <summary>Images larger than this (bytes) are refused before decoding, after reading at most this many
    /// bytes.</summary>
    [Range(1, 1L << 32)]
    public long MaxImageBytes { get; set; } = 50 * 1024 * 1024;

    /// <summary>Images whose header declares more pixels (width × height) than this are refused before decoding; a
    /// decode costs about 3 bytes per pixel, up to 9 for progressive JPEGs (docs/reliability.md).</summary>
    [Range(1, 268_435_456)]
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>At most this many megabytes of full-resolution decodes in flight at once in the process (uploads
    /// and the workers' whole-image scoring, estimated at 9 bytes per pixel); an image that needs more is decoded
    /// alone. Bounds a batch's peak memory (docs/benchmarks.md, "Decodes in flight: bounded").</summary>
    [Range(16, 65536)]
    public int DecodeMemoryMegabytes { get; set; } = 256;

    /// <summary>Whether every photo is also decoded whole at each decoder's working resolution, scored and
    /// re-identified among the batch's photos (docs/pipeline.md); off, only the centre square is (about 1.7 times
    /// faster on README's main job, docs/benchmarks.md). Feature files are decoded whole either way.</summary>
    public bool WholeImages { get; set; } = true;

    /// <summary>The upload limits as the image reader takes them.</summary>
    public ImageLimits ToImageLimits() => new() { MaxBytes = MaxImageBytes, MaxPixels = MaxImagePixels };
}
