using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace FeatureInversion.Pipeline.Storage;

/// <summary>
/// Blob store on Azure Blob Storage or Azurite. Read URLs are SAS tokens with read permission only: signed with the
/// account key when the client has one (connection strings, Azurite), else with a user delegation key obtained
/// through the client's Entra ID credential (managed identity in Azure).
/// </summary>
public sealed class AzureBlobStore(BlobServiceClient service) : IBlobStore, IDisposable
{
    public BlobServiceClient Service { get; } = service;

    public async Task<IReadOnlyList<string>> EnsureContainersAsync(
        IEnumerable<string> containers,
        CancellationToken ct = default
    )
    {
        var notPermitted = new List<string>();
        foreach (var c in containers)
        {
            // Create Container needs a role at the account's scope; the hosts' roles are per container, so Azure
            // answers 403 (AuthorizationPermissionMismatch) even for a container that exists. The deployment makes
            // them.
            try
            {
                await Service.GetBlobContainerClient(c).CreateIfNotExistsAsync(cancellationToken: ct);
            }
            catch (RequestFailedException e) when (e.Status == 403)
            {
                notPermitted.Add(c);
            }
        }
        return notPermitted;
    }

    public async Task<bool> ExistsAsync(string container, string name, CancellationToken ct = default) =>
        (await Service.GetBlobContainerClient(container).GetBlobClient(name).ExistsAsync(ct)).Value;

    public async Task<byte[]?> TryReadAsync(string container, string name, CancellationToken ct = default)
    {
        try
        {
            var result = await Service.GetBlobContainerClient(container).GetBlobClient(name).DownloadContentAsync(ct);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream?> TryOpenReadAsync(string container, string name, CancellationToken ct = default)
    {
        try
        {
            return await Service
                .GetBlobContainerClient(container)
                .GetBlobClient(name)
                .OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> WriteAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        bool overwrite,
        CancellationToken ct = default
    )
    {
        var blob = Service.GetBlobContainerClient(container).GetBlobClient(name);
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } };
        if (!overwrite)
            options.Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(content), options, ct);
            return true;
        }
        catch (RequestFailedException e) when (!overwrite && (e.Status == 409 || e.Status == 412))
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<BlobEntry>> ListEntriesAsync(
        string container,
        string prefix,
        CancellationToken ct = default
    )
    {
        var entries = new List<BlobEntry>();
        await foreach (
            var item in Service
                .GetBlobContainerClient(container)
                .GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct)
        )
            entries.Add(new BlobEntry(item.Name, item.Properties.ETag?.ToString() ?? ""));
        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    public async Task<Uri> GetReadUrlAsync(
        string container,
        string name,
        TimeSpan lifetime,
        CancellationToken ct = default
    )
    {
        var blob = Service.GetBlobContainerClient(container).GetBlobClient(name);
        var expires = DateTimeOffset.UtcNow.Add(lifetime);
        if (blob.CanGenerateSasUri)
            return blob.GenerateSasUri(BlobSasPermissions.Read, expires);

        var builder = new BlobSasBuilder(BlobSasPermissions.Read, expires)
        {
            BlobContainerName = container,
            BlobName = name,
            Resource = "b",
        };
        var key = await DelegationKeyAsync(expires, ct);
        return new BlobUriBuilder(blob.Uri) { Sas = builder.ToSasQueryParameters(key, Service.AccountName) }.ToUri();
    }

    private UserDelegationKey? _key;
    private readonly SemaphoreSlim _keyLock = new(1, 1);

    public void Dispose() => _keyLock.Dispose();

    /// <summary>A user delegation key valid until at least <paramref name="until"/>, reused across SAS URLs (a gallery
    /// page signs hundreds; one key request each would dominate the page). New keys live an hour longer than asked, at
    /// most 7 days.</summary>
    private async Task<UserDelegationKey> DelegationKeyAsync(DateTimeOffset until, CancellationToken ct)
    {
        if (_key is { } key && key.SignedExpiresOn >= until)
            return key;
        await _keyLock.WaitAsync(ct);
        try
        {
            if (_key is { } again && again.SignedExpiresOn >= until)
                return again;
            var now = DateTimeOffset.UtcNow;
            var expires = until.AddHours(1) < now.AddDays(7) ? until.AddHours(1) : now.AddDays(7);
            // It may start a little in the past to tolerate clock skew.
            return _key = (await Service.GetUserDelegationKeyAsync(now.AddMinutes(-5), expires, ct)).Value;
        }
        finally
        {
            _keyLock.Release();
        }
    }
}
