namespace FeatureInversion.Pipeline.Storage;

/// <summary>Blob store on a local folder: <c>{root}/{container}/{name}</c>. Writes go to a temporary file first and are
/// moved into place, so a reader never sees half a blob and create-only writes are atomic.</summary>
public sealed class LocalBlobStore(string root) : IBlobStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string container, string name)
    {
        if (name.Contains("..") || Path.IsPathRooted(name)) throw new ArgumentException($"Blob name '{name}' leaves its container.", nameof(name));
        return Path.Combine(Root, container, name.Replace('/', Path.DirectorySeparatorChar));
    }

    public Task EnsureContainersAsync(IEnumerable<string> containers, CancellationToken ct = default)
    {
        foreach (var c in containers) Directory.CreateDirectory(Path.Combine(Root, c));
        return Task.CompletedTask;
    }

    public Task<bool> ExistsAsync(string container, string name, CancellationToken ct = default) => Task.FromResult(File.Exists(PathOf(container, name)));

    public async Task<byte[]?> TryReadAsync(string container, string name, CancellationToken ct = default)
    {
        try { return await File.ReadAllBytesAsync(PathOf(container, name), ct); }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    public async Task<bool> WriteAsync(string container, string name, ReadOnlyMemory<byte> content, string contentType, bool overwrite, CancellationToken ct = default)
    {
        string path = PathOf(container, name);
        if (!overwrite && File.Exists(path)) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temp, content.ToArray(), ct);
        try
        {
            File.Move(temp, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            File.Delete(temp);
            return false;
        }
    }

    public Task<IReadOnlyList<string>> ListAsync(string container, string prefix, CancellationToken ct = default)
    {
        string dir = Path.Combine(Root, container);
        if (!Directory.Exists(dir)) return Task.FromResult<IReadOnlyList<string>>([]);
        IReadOnlyList<string> names = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(dir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        return Task.FromResult(names);
    }

    public Task<Uri> GetReadUrlAsync(string container, string name, TimeSpan lifetime, CancellationToken ct = default) =>
        Task.FromResult(new Uri(PathOf(container, name)));
}
