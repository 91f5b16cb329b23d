using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FeatureInversion.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FeatureInversion.Training.Data;

/// <summary>
/// The training photographs, decoded once and kept at the resolution the crops need (short side
/// <see cref="ShortSide"/>, never enlarged) as 8-bit interleaved RGB in one pool file on disk that is memory-mapped
/// read-only: the operating system keeps in RAM what fits and pages the rest, so the process's own memory does not
/// grow with the number of photos, and no single array bounds the pool. With a cache folder the pool file is kept and
/// reused by later runs over the same files (keyed by names, sizes, modification times and short side); without one
/// it lives in the temp folder and is deleted on dispose.
/// </summary>
public sealed unsafe class PhotoPool : IDisposable
{
    private const string Format = "photo-pool-2"; // 2: photos upright (EXIF orientation applied)

    private sealed record Entry(string File, int Width, int Height, long Offset);

    private sealed record Index(string Format, int ShortSide, List<Entry> Photos);

    private readonly List<Entry> _photos;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly string? _deleteOnDispose;

    private PhotoPool(string path, Index index, string? deleteOnDispose, string key)
    {
        Key = key;
        _photos = index.Photos;
        ShortSide = index.ShortSide;
        Bytes = _photos.Count == 0 ? 0 : _photos[^1].Offset + 3L * _photos[^1].Width * _photos[^1].Height;
        _deleteOnDispose = deleteOnDispose;
        Path = path;
        if (Bytes > 0)
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + _view.PointerOffset;
        }
    }

    /// <summary>What the pool holds, as a hash of its files (names, sizes, modification times) and short side: the
    /// key of caches derived from it.</summary>
    public string Key { get; }

    /// <summary>Short side of the pooled photos (smaller originals keep their size).</summary>
    public int ShortSide { get; }

    public int Count => _photos.Count;

    /// <summary>Bytes of pixel data in the pool file.</summary>
    public long Bytes { get; }

    /// <summary>The pool file.</summary>
    public string Path { get; }

    public IReadOnlyList<string> Files => _photos.Select(p => p.File).ToList();

    public (int Width, int Height) Size(int photo) => (_photos[photo].Width, _photos[photo].Height);

    /// <summary>Photo <paramref name="photo"/>'s pixels, rows top to bottom, RGB interleaved.</summary>
    public ReadOnlySpan<byte> Pixels(int photo)
    {
        var e = _photos[photo];
        return new ReadOnlySpan<byte>(_base + e.Offset, checked(3 * e.Width * e.Height));
    }

    /// <summary>The photographs of a folder (by extension, in ordinal order of their names).</summary>
    public static IReadOnlyList<string> ListPhotos(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: no such photo folder.");
        var files = Directory
            .GetFiles(directory)
            .Where(ImageFiles.HasPhotoExtension)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new InvalidDataException(
                $"{directory}: no photographs ({string.Join(", ", ImageFiles.PhotoExtensions)})."
            );
        return files;
    }

    /// <summary>
    /// Opens the pool of <paramref name="directory"/>'s photos at <paramref name="shortSide"/>, building it if no
    /// cached pool matches. Photos are decoded in parallel (each checked like an upload: corrupt or truncated files and
    /// sides over the <see cref="ImageLimits"/> are refused, naming the file).
    /// </summary>
    public static PhotoPool Open(
        string directory,
        int shortSide,
        string? cacheDirectory = null,
        int threads = 0,
        TextWriter? log = null
    ) => Open(ListPhotos(directory), shortSide, cacheDirectory, threads, log);

    public static PhotoPool Open(
        IReadOnlyList<string> files,
        int shortSide,
        string? cacheDirectory = null,
        int threads = 0,
        TextWriter? log = null
    )
    {
        if (shortSide < 16)
            throw new ArgumentOutOfRangeException(
                nameof(shortSide),
                shortSide,
                "Pool short side must be at least 16 pixels."
            );
        if (files.Count == 0)
            throw new ArgumentException("No photographs for the pool.", nameof(files));
        string key =
            string.Join(
                "\n",
                files.Select(f =>
                {
                    var i = new FileInfo(f);
                    return $"{i.FullName}|{i.Length}|{i.LastWriteTimeUtc.Ticks}";
                })
            ) + $"\n{shortSide}\n{Format}";
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        string folder = cacheDirectory ?? System.IO.Path.GetTempPath();
        Directory.CreateDirectory(folder);
        string path = System.IO.Path.Combine(
            folder,
            cacheDirectory is null ? $"photo-pool-{hash}-{Guid.NewGuid():N}.bin" : $"photo-pool-{shortSide}-{hash}.bin"
        );
        string indexPath = path + ".json";
        if (cacheDirectory is not null && File.Exists(path) && File.Exists(indexPath))
        {
            var cached = JsonSerializer.Deserialize<Index>(File.ReadAllText(indexPath));
            if (cached is { Format: Format } && cached.ShortSide == shortSide && cached.Photos.Count == files.Count)
            {
                log?.WriteLine($"photo pool: {files.Count} photos at short side {shortSide} from {path}");
                return new PhotoPool(path, cached, null, hash);
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // Sizes from the headers first (no pixels decoded), so every photo's place in the file is known up front.
        var entries = new List<Entry>(files.Count);
        long offset = 0;
        foreach (var file in files)
        {
            // size limits and upright size; completeness is checked when decoded below
            var info = ImageFiles.ReadHeader(file);
            var (w, h) = Reduced(info.Width, info.Height, shortSide);
            entries.Add(new Entry(file, w, h, offset));
            offset += 3L * w * h;
        }
        string temp = path + ".tmp";
        try
        {
            using (
                var handle = File.OpenHandle(
                    temp,
                    FileMode.Create,
                    FileAccess.Write,
                    FileShare.None,
                    FileOptions.None,
                    offset
                )
            )
            {
                var options = new ParallelOptions
                {
                    MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount,
                };
                Parallel.For(0, entries.Count, options, i =>
                {
                    var e = entries[i];
                    using var image = ImageFiles.DecodeRgb24(
                        ImageFiles.ReadFile(e.File),
                        System.IO.Path.GetFileName(e.File)
                    );
                    if (image.Width != e.Width || image.Height != e.Height)
                        image.Mutate(c => c.Resize(e.Width, e.Height, KnownResamplers.Triangle));
                    WritePixels(handle, image, e.Offset);
                });
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            File.Delete(temp);
            // the photo's own error, naming it
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        NativeHeap.Trim(); // the decoders' freed buffers would otherwise stay in the process (docs/benchmarks.md)
        var index = new Index(Format, shortSide, entries);
        if (cacheDirectory is not null)
            File.WriteAllText(indexPath, JsonSerializer.Serialize(index));
        log?.WriteLine(
            $"photo pool: {files.Count} photos decoded to short side {shortSide} ({offset / 1048576.0:F0} MiB on "
                + $"disk) in {clock.Elapsed.TotalSeconds:F1} s"
        );
        return new PhotoPool(path, index, cacheDirectory is null ? path : null, hash);
    }

    /// <summary>Writes a decoded photo's pixels at <paramref name="offset"/>: straight from ImageSharp's buffer when it
    /// is one block, else row by row, so the build holds no second copy of each photo (large arrays that the GC would
    /// keep committed after the build).</summary>
    private static void WritePixels(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Image<Rgb24> image, long offset)
    {
        if (image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            RandomAccess.Write(handle, MemoryMarshal.AsBytes(memory.Span), offset);
            return;
        }
        long rowBytes = 3L * image.Width;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                RandomAccess.Write(handle, MemoryMarshal.AsBytes(rows.GetRowSpan(y)), offset + y * rowBytes);
        });
    }

    /// <summary>The size a photo is pooled at: its short side reduced to <paramref name="shortSide"/>, never
    /// enlarged.</summary>
    public static (int Width, int Height) Reduced(int width, int height, int shortSide)
    {
        int s = Math.Min(width, height);
        if (s <= shortSide)
            return (width, height);
        double f = (double)shortSide / s;
        return (Math.Max(shortSide, (int)Math.Round(width * f)), Math.Max(shortSide, (int)Math.Round(height * f)));
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
        if (_deleteOnDispose is not null)
            File.Delete(_deleteOnDispose);
    }
}
