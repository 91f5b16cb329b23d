using System.ComponentModel.DataAnnotations;

namespace FeatureInversion.Pipeline.Storage;

/// <summary>Where the pipeline keeps its blobs: the store's kind and account, and the containers (section
/// <see cref="PipelineSection.Name"/>).</summary>
public sealed class StorageOptions
{
    /// <summary>Container users drop images into; the blob trigger watches it.</summary>
    [Required]
    public string ImagesContainer { get; set; } = "images";

    /// <summary>Extracted features (claim-check: jobs carry references to these blobs, never the arrays).</summary>
    [Required]
    public string FeaturesContainer { get; set; } = "features";

    /// <summary>Reconstructions, metrics, error records and per-batch galleries.</summary>
    [Required]
    public string ResultsContainer { get; set; } = "results";

    /// <summary>Published decoder versions: <c>{representation}/{version}/manifest.json</c> and
    /// <c>weights.dat</c>.</summary>
    [Required]
    public string ModelsContainer { get; set; } = "models";

    /// <summary>Photographs the scheduled trainer learns from (<c>train/</c> and <c>test/</c> prefixes).</summary>
    [Required]
    public string TrainingContainer { get; set; } = "training";

    /// <summary>A kind of <see cref="BlobStoreKinds"/>: "local" (a folder, <see cref="LocalRoot"/>) or "azure" (Blob
    /// Storage or Azurite).</summary>
    [Required]
    public string Storage { get; set; } = "local";
    public string LocalRoot { get; set; } = "pipeline-data";

    /// <summary>Blob connection string (Azurite: <c>UseDevelopmentStorage=true</c>); when empty, <see
    /// cref="BlobServiceUri"/> with DefaultAzureCredential.</summary>
    public string? BlobConnectionString { get; set; }
    public string? BlobServiceUri { get; set; }
}
