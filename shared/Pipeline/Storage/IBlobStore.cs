namespace FeatureInversion.Pipeline.Storage;

/// <summary>
/// The blob operations the pipeline needs, over Azure Blob Storage (or Azurite) and over a local folder (the
/// embedded default). Writes can be create-only so that concurrent or repeated deliveries keep the first result.
/// </summary>
public interface IBlobStore
{
    /// <summary>Creates the containers that do not exist; returns those this identity may not create (HTTP 403: a
    /// container-scoped data role in Azure), which the deployment must have made.</summary>
    Task<IReadOnlyList<string>> EnsureContainersAsync(IEnumerable<string> containers, CancellationToken ct = default);
    Task<bool> ExistsAsync(string container, string name, CancellationToken ct = default);

    /// <summary>The blob's content, or null when there is no such blob.</summary>
    Task<byte[]?> TryReadAsync(string container, string name, CancellationToken ct = default);

    /// <summary>A stream over the blob whose Length is the blob's size (read lazily), or null when there is no such
    /// blob.</summary>
    Task<Stream?> TryOpenReadAsync(string container, string name, CancellationToken ct = default);

    /// <summary>Writes a blob; with <paramref name="overwrite"/> false an existing blob is kept and false is
    /// returned.</summary>
    Task<bool> WriteAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        bool overwrite,
        CancellationToken ct = default
    );

    /// <summary>The blobs under a prefix with a version that changes whenever a blob is rewritten (its ETag; size and
    /// write time for local files), in ordinal order of name: what lets the gallery re-read only what
    /// changed.</summary>
    Task<IReadOnlyList<BlobEntry>> ListEntriesAsync(string container, string prefix, CancellationToken ct = default);

    /// <summary>A URL that can read (and only read) the blob until it expires; file URLs for local folders.</summary>
    Task<Uri> GetReadUrlAsync(string container, string name, TimeSpan lifetime, CancellationToken ct = default);
}

public static class BlobStoreExtensions
{
    /// <summary>Names of the blobs under a prefix, in ordinal order.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(
        this IBlobStore store,
        string container,
        string prefix,
        CancellationToken ct = default
    ) => (await store.ListEntriesAsync(container, prefix, ct)).Select(e => e.Name).ToList();
}

/// <summary>A listed blob: its name and a version that changes whenever it is rewritten.</summary>
public readonly record struct BlobEntry(string Name, string Version);

/// <summary>Content types of what the pipeline writes.</summary>
public static class ContentTypes
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Json = "application/json";
    public const string Html = "text/html; charset=utf-8";
    public const string Binary = "application/octet-stream";
}
