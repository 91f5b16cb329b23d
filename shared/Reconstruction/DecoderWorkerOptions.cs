using System.ComponentModel.DataAnnotations;
using FeatureInversion.Pipeline;

namespace FeatureInversion.Reconstruction;

/// <summary>The decoder worker's own settings: device, batching window, health port and model cache (section
/// <see cref="PipelineSection.Name"/>; how many jobs it takes at once is the queue's
/// <c>BatchSize</c>).</summary>
public sealed class DecoderWorkerOptions
{
    /// <summary>How long a worker waits for more jobs before decoding a partial batch.</summary>
    [Range(0, 10_000)]
    public int BatchWindowMilliseconds { get; set; } = 20;

    /// <summary>Where the decoder worker runs its networks: "auto" (CUDA when libtorch sees a GPU), "cpu" or
    /// "cuda".</summary>
    [RegularExpression("^(auto|cpu|cuda)$")]
    public string Device { get; set; } = "auto";

    /// <summary>Port of the health endpoint (<c>/healthz/live</c>, <c>/healthz/ready</c>); 0 = none.</summary>
    [Range(0, 65535)]
    public int HealthPort { get; set; }

    /// <summary>Where workers keep downloaded decoder versions.</summary>
    public string ModelCacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "feature-inversion-models");
}
