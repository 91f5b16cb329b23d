namespace FeatureInversion.Features;

/// <summary>
/// Everything the code base needs to know about one representation Φ: its stable name (command line, manifests,
/// blob names), a one-line summary, whether it is hand-designed or a CNN layer, the decoder table that inverts it,
/// and a factory for extractors. Settings and output shapes are read from one shared instance made on first use
/// (both are pure; <see cref="Create"/> gives a fresh, single-threaded extractor for actual extraction).
/// </summary>
public sealed class RepresentationDescriptor
{
    private readonly Func<IFeatureRepresentation> _factory;
    private readonly Lazy<IFeatureRepresentation> _probe;

    public RepresentationDescriptor(
        string name,
        string summary,
        RepresentationKind kind,
        DecoderLayout decoder,
        Func<IFeatureRepresentation> factory,
        double workingBytesPerPixel = 16
    )
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (
            !string.Equals(name, name.ToLowerInvariant(), StringComparison.Ordinal)
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-'))
        )
            throw new ArgumentException(
                $"Representation name '{name}' must be lower-case letters, digits and '-' (it names blobs and "
                    + $"folders).",
                nameof(name)
            );
        Name = name;
        Summary = summary;
        Kind = kind;
        Decoder = decoder;
        _factory = factory;
        WorkingBytesPerPixel = workingBytesPerPixel;
        _probe = new Lazy<IFeatureRepresentation>(factory);
    }

    public string Name { get; }
    public string Summary { get; }
    public RepresentationKind Kind { get; }

    /// <summary>The paper's decoder table for this representation.</summary>
    public DecoderLayout Decoder { get; }

    /// <summary>Peak working memory of one extraction per input pixel (measured, docs/reliability.md): what bounds the
    /// image size the CLI accepts for full-resolution features (the pipeline extracts from small views only).</summary>
    public double WorkingBytesPerPixel { get; }

    /// <summary>Settings that change the output, recorded in decoder manifests and checked when a decoder
    /// loads.</summary>
    public IReadOnlyDictionary<string, string> Settings => _probe.Value.Settings;

    /// <summary>Output shape for an image of the given size; throws when the image is too small.</summary>
    public FeatureShape OutputShape(int width, int height) => _probe.Value.OutputShape(width, height);

    /// <summary>Refuses an image file of this size that the representation cannot take (smaller than a cell; for CNN
    /// layers, not square), with an <see cref="FeatureInversion.Imaging.InvalidImageException"/> naming the
    /// file.</summary>
    public void EnsureAccepts(string file, int width, int height) =>
        FeatureInput.ForFile(file, () => OutputShape(width, height));

    /// <summary>As <see cref="EnsureAccepts(string, int, int)"/> for a photo whose decoder view (its centred square) is
    /// used: hand-designed representations are asked about the whole image, as the CLI computes them; CNN layers
    /// about the centred square, the only thing they are shown.</summary>
    public void EnsureAccepts(string file, FeatureInversion.Imaging.ImageHeader header)
    {
        int side = Math.Min(header.Width, header.Height);
        if (Kind == RepresentationKind.HandDesigned)
            EnsureAccepts(file, header.Width, header.Height);
        else
            EnsureAccepts(file, side, side);
    }

    /// <summary>A new extractor (keeps scratch buffers between calls; use one per thread).</summary>
    public IFeatureRepresentation Create() => _factory();

    public override string ToString() => Name;
}
