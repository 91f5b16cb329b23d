using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureInversion.Pipeline.Storage;

/// <summary>One kind of blob store (<see cref="StorageOptions.Storage"/>): what its settings need and how to build
/// it.</summary>
/// <remarks><c>Create</c> takes the host's services: Azure SDK clients come from <see
/// cref="Hosting.PipelineAzureClients"/>.</remarks>
public sealed record BlobStoreKind(
    string Name,
    string Description,
    Func<StorageOptions, string?> Check,
    Func<StorageOptions, IServiceProvider, IBlobStore> Create
);

/// <summary>
/// The blob stores the pipeline runs on, by name: <c>local</c> (folders under <see cref="StorageOptions.LocalRoot"/>,
/// the embedded default) and <c>azure</c> (Blob Storage, or Azurite with a connection string; in Azure the service
/// URI with the host's one DefaultAzureCredential, <see cref="Hosting.PipelineAzureClients"/>).
/// </summary>
public static class BlobStoreKinds
{
    // A storage account named while the kind is still 'local' is a forgotten Storage setting: writing to a local
    // folder instead (e.g. `publish` with only Pipeline__BlobServiceUri) would look like success.
    public static BlobStoreKind Local { get; } =
        new(
            "local",
            "folders on this machine",
            storage =>
                string.IsNullOrEmpty(storage.BlobConnectionString) && string.IsNullOrEmpty(storage.BlobServiceUri)
                    ? null
                    : "Storage is 'local' but a storage account is configured (BlobConnectionString or "
                        + "BlobServiceUri): set Storage to 'azure' (Pipeline__Storage=azure) to use it, or remove it.",
            (storage, _) => new LocalBlobStore(storage.LocalRoot)
        );

    public static BlobStoreKind Azure { get; } =
        new(
            "azure",
            "Azure Blob Storage or Azurite",
            storage =>
                string.IsNullOrEmpty(storage.BlobConnectionString) && string.IsNullOrEmpty(storage.BlobServiceUri)
                    ? "Storage 'azure' needs BlobConnectionString or BlobServiceUri."
                    : null,
            (_, services) => new AzureBlobStore(services.GetRequiredService<BlobServiceClient>())
        );

    public static IReadOnlyDictionary<string, BlobStoreKind> All { get; } =
        new[] { Local, Azure }.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    public static IBlobStore Create(StorageOptions storage, IServiceProvider services) =>
        All.TryGetValue(storage.Storage, out var kind)
            ? kind.Create(storage, services)
            : throw new ArgumentException(
                $"Unknown storage kind '{storage.Storage}'. Known: {string.Join(", ", All.Keys)}."
            );
}
