namespace FeatureInversion.Pipeline.Storage;

/// <summary>
/// Blob store on a local folder: <c>{root}/{container}/{name}</c>. Writes go to a temporary file under
/// <c>{root}/.tmp</c> first and are moved into place, so a reader never sees half a blob and create-only writes are
/// atomic; the temporary file is removed on every failure (a full disk leaves nothing behind). Any blob name works
/// (<see cref="BlobNames.Problem"/>): path segments longer than a file name may be (255 bytes) are stored under a
/// shortened name with a hash of the whole segment, and "."/".." segments are refused, so no name leaves its container.
/// </summary>
public sealed class LocalBlobStore(string root) : IBlobStore
{
    private const int MaxFileNameBytes = 255;

    public string Root { get; } = Path.GetFullPath(root);

    private string TempDirectory => Path.Combine(Root, ".tmp");

    public string PathOf(string container, string name)
    {
        if (BlobNames.Problem(name) is { } problem)
            throw new ArgumentException($"Blob name '{name}': {problem}.", nameof(name));
        if (Path.IsPathRooted(name))
            throw new ArgumentException($"Blob name '{name}' leaves its container.", nameof(name));
        string folder = Path.Combine(Root, container);
        string path = Path.Combine([folder, .. name.Split('/').Select(FileSystemName)]);
        if (!Path.GetFullPath(path).StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Blob name '{name}' leaves its container.", nameof(name));
        return path;
    }

    /// <summary>A path segment as a file name: itself when short enough (room is kept for the ".json" and similar
    /// suffixes names derive with), else a prefix, '~', 16 hex digits of its SHA-256 and its extension (up to 16
    /// bytes): listings show the extension, which tells readers what a blob is (a record's ".json").</summary>
    private static string FileSystemName(string segment)
    {
        if (
            System.Text.Encoding.UTF8.GetByteCount(segment) <= MaxFileNameBytes - 32
            && segment.IndexOf(Path.DirectorySeparatorChar) < 0
        )
            return segment;
        string hash = Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(segment))
        )[..16];
        var prefix = new System.Text.StringBuilder();
        int bytes = 0;
        foreach (var rune in segment.EnumerateRunes())
        {
            if (rune.Value == Path.DirectorySeparatorChar)
                continue;
            if (bytes + rune.Utf8SequenceLength > 120)
                break;
            prefix.Append(rune.ToString());
            bytes += rune.Utf8SequenceLength;
        }
        string extension = Path.GetExtension(segment);
        if (
            extension.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || System.Text.Encoding.UTF8.GetByteCount(extension) > 16
        )
            extension = "";
        return $"{prefix}~{hash}{extension}";
    }

    public Task<IReadOnlyList<string>> EnsureContainersAsync(
        IEnumerable<string> containers,
        CancellationToken ct = default
    )
    {
        foreach (var c in containers)
            Directory.CreateDirectory(Path.Combine(Root, c));
        return Task.FromResult<IReadOnlyList<string>>([]);
    }

    public Task<bool> ExistsAsync(string container, string name, CancellationToken ct = default) =>
        Task.FromResult(File.Exists(PathOf(container, name)));

    public async Task<byte[]?> TryReadAsync(string container, string name, CancellationToken ct = default)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(container, name), ct);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<Stream?> TryOpenReadAsync(string container, string name, CancellationToken ct = default)
    {
        try
        {
            return Task.FromResult<Stream?>(
                new FileStream(
                    PathOf(container, name),
                    FileMode.Open,
                    FileAccess.Read,
                    FileShare.Read,
                    81920,
                    FileOptions.Asynchronous
                )
            );
        }
        catch (FileNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
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
        string path = PathOf(container, name);
        if (!overwrite && File.Exists(path))
            return false;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(TempDirectory);
        string temp = Path.Combine(TempDirectory, $"{Guid.NewGuid():N}.tmp");
        bool moved = false;
        try
        {
            await using (
                var file = new FileStream(
                    temp,
                    FileMode.CreateNew,
                    FileAccess.Write,
                    FileShare.None,
                    4096,
                    FileOptions.Asynchronous
                )
            )
                await file.WriteAsync(content, ct);
            try
            {
                File.Move(temp, path, overwrite);
                moved = true;
                return true;
            }
            catch (IOException) when (!overwrite && File.Exists(path))
            {
                return false;
            }
        }
        finally
        {
            if (!moved)
                TryDelete(temp);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public Task<IReadOnlyList<BlobEntry>> ListEntriesAsync(
        string container,
        string prefix,
        CancellationToken ct = default
    )
    {
        string dir = Path.Combine(Root, container);
        if (!Directory.Exists(dir))
            return Task.FromResult<IReadOnlyList<BlobEntry>>([]);
        // Only the prefix's folder is walked (a batch's listing must not cost the whole container's).
        int slash = prefix.LastIndexOf('/');
        var folders = slash < 0 ? [] : prefix[..slash].Split('/');
        string start = folders.Any(f => f is "" or "." or "..")
            ? dir
            : Path.Combine([dir, .. folders.Select(FileSystemName)]);
        if (!Directory.Exists(start))
            return Task.FromResult<IReadOnlyList<BlobEntry>>([]);
        // Writes replace the file (moved into place), so size and last write time change with every rewrite.
        IReadOnlyList<BlobEntry> entries = new DirectoryInfo(start)
            .EnumerateFiles("*", SearchOption.AllDirectories)
            .Select(f => new BlobEntry(
                Path.GetRelativePath(dir, f.FullName).Replace(Path.DirectorySeparatorChar, '/'),
                $"{f.Length}-{f.LastWriteTimeUtc.Ticks}"
            ))
            .Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(entries);
    }

    public Task<Uri> GetReadUrlAsync(
        string container,
        string name,
        TimeSpan lifetime,
        CancellationToken ct = default
    ) => Task.FromResult(new Uri(PathOf(container, name)));
}
