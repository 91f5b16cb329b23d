namespace FeatureInversion.Training.Data;

/// <summary>Where a photograph comes from (its Debian package, for this project's photos) and its split.</summary>
public sealed record PhotoSource(string Split, string Package);

/// <summary>
/// The provenance table <c>scripts/fetch-photos.sh</c> writes beside the splits (<c>SOURCES.tsv</c>: photo, split,
/// package, path in package, licence), so an evaluation can say which test photos come from sources training never
/// saw (cross-source) and which share a package with training photos (same-source).
/// </summary>
public sealed class PhotoSources
{
    public const string FileName = "SOURCES.tsv";

    private readonly Dictionary<string, PhotoSource> _byPhoto;

    private PhotoSources(Dictionary<string, PhotoSource> byPhoto, string path)
    {
        _byPhoto = byPhoto;
        Path = path;
        TrainingPackages = byPhoto
            .Values.Where(s => s.Split == "train")
            .Select(s => s.Package)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The table read.</summary>
    public string Path { get; }

    /// <summary>Packages that training photographs come from.</summary>
    public IReadOnlySet<string> TrainingPackages { get; }

    /// <summary>The source of a photo, by file name with or without extension; null when the table does not list
    /// it.</summary>
    public PhotoSource? Of(string photo) =>
        _byPhoto.GetValueOrDefault(System.IO.Path.GetFileNameWithoutExtension(photo));

    /// <summary>Whether a photo comes from a package no training photo comes from (null when unknown).</summary>
    public bool? IsCrossSource(string photo) => Of(photo) is { } s ? !TrainingPackages.Contains(s.Package) : null;

    /// <summary>The table in <paramref name="testDirectory"/> or its parent (the layout fetch-photos.sh writes), or
    /// null.</summary>
    public static PhotoSources? Find(string testDirectory)
    {
        var dir = new DirectoryInfo(testDirectory);
        foreach (var candidate in new[] { dir, dir.Parent })
        {
            if (candidate is null)
                continue;
            string path = System.IO.Path.Combine(candidate.FullName, FileName);
            if (File.Exists(path))
                return Read(path);
        }
        return null;
    }

    /// <summary>Reads a table; its header must name the columns photo, split and package.</summary>
    public static PhotoSources Read(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        var header = lines.Count > 0 ? lines[0].Split('\t') : [];
        int photo = Array.IndexOf(header, "photo"),
            split = Array.IndexOf(header, "split"),
            package = Array.IndexOf(header, "package");
        if (photo < 0 || split < 0 || package < 0)
            throw new InvalidDataException($"{path}: the header must name the columns photo, split and package.");
        var byPhoto = new Dictionary<string, PhotoSource>(StringComparer.Ordinal);
        foreach (var (line, number) in lines.Skip(1).Select((l, i) => (l, i + 2)))
        {
            var cells = line.Split('\t');
            if (cells.Length <= Math.Max(photo, Math.Max(split, package)))
                throw new InvalidDataException($"{path}:{number}: too few columns.");
            byPhoto[System.IO.Path.GetFileNameWithoutExtension(cells[photo])] = new PhotoSource(
                cells[split],
                cells[package]
            );
        }
        return new PhotoSources(byPhoto, path);
    }
}
