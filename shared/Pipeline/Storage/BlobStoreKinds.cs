using Azure.Storage.Blobs;

namespace FeatureInversion.Pipeline.Storage;

/// <summary>One kind of blob store (<see cref="PipelineOptions.Storage"/>): what its settings need and how to build it.</summary>
public sealed record BlobStoreKind(string Name, string Description, Func<PipelineOptions, string?> Check, Func<PipelineOptions, IBlobStore> Create);

/// <summary>
/// The blob stores the pipeline runs on, by name: <c>local</c> (folders under <see cref="PipelineOptions.LocalRoot"/>,
/// the embedded default) and <c>azure</c> (Blob Storage, or Azurite with a connection string; in Azure the service
/// URI with DefaultAzureCredential).
/// </summary>
public static class BlobStoreKinds
{
    public static BlobStoreKind Local { get; } = new("local", "folders on this machine", _ => null, o => new LocalBlobStore(o.LocalRoot));

    public static BlobStoreKind Azure { get; } = new("azure", "Azure Blob Storage or Azurite",
        o => string.IsNullOrEmpty(o.BlobConnectionString) && string.IsNullOrEmpty(o.BlobServiceUri) ? "Storage 'azure' needs BlobConnectionString or BlobServiceUri." : null,
        o => new AzureBlobStore(!string.IsNullOrEmpty(o.BlobConnectionString) ? new BlobServiceClient(o.BlobConnectionString)
            : new BlobServiceClient(new Uri(o.BlobServiceUri!), PipelineCredential.Instance)));

    public static IReadOnlyDictionary<string, BlobStoreKind> All { get; } =
        new[] { Local, Azure }.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    public static IBlobStore Create(PipelineOptions options) =>
        All.TryGetValue(options.Storage, out var kind) ? kind.Create(options)
            : throw new ArgumentException($"Unknown storage kind '{options.Storage}'. Known: {string.Join(", ", All.Keys)}.");
}
