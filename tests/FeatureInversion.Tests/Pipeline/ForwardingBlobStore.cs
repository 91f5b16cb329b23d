using FeatureInversion.Pipeline.Storage;

namespace FeatureInversion.Tests.Pipeline;

/// <summary>A store that hands each call to the store of its container (<see cref="For"/>); a test overrides what it
/// changes: where calls go (a store per container) or what a write does (a full disk).</summary>
internal abstract class ForwardingBlobStore : IBlobStore
{
    protected abstract IBlobStore For(string container);

    public async Task<IReadOnlyList<string>> EnsureContainersAsync(
        IEnumerable<string> containers,
        CancellationToken ct = default
    )
    {
        var left = new List<string>();
        foreach (var c in containers)
            left.AddRange(await For(c).EnsureContainersAsync([c], ct));
        return left;
    }

    public Task<bool> ExistsAsync(string container, string name, CancellationToken ct = default) =>
        For(container).ExistsAsync(container, name, ct);

    public Task<byte[]?> TryReadAsync(string container, string name, CancellationToken ct = default) =>
        For(container).TryReadAsync(container, name, ct);

    public Task<Stream?> TryOpenReadAsync(string container, string name, CancellationToken ct = default) =>
        For(container).TryOpenReadAsync(container, name, ct);

    public virtual Task<bool> WriteAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        bool overwrite,
        CancellationToken ct = default
    ) => For(container).WriteAsync(container, name, content, contentType, overwrite, ct);

    public Task<IReadOnlyList<BlobEntry>> ListEntriesAsync(
        string container,
        string prefix,
        CancellationToken ct = default
    ) => For(container).ListEntriesAsync(container, prefix, ct);

    public Task<Uri> GetReadUrlAsync(
        string container,
        string name,
        TimeSpan lifetime,
        CancellationToken ct = default
    ) => For(container).GetReadUrlAsync(container, name, lifetime, ct);
}
