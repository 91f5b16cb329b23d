namespace FeatureInversion.Features;

/// <summary>
/// The representations a process knows, by name: every list of representations (command-line help, option
/// validation, decoders, manifests, the pipeline) reads one. <see cref="HandDesigned"/> holds the paper's
/// HOG, LBP and sparse SIFT grid; hosts that have TorchSharp add CNN layers (FeatureInversion.Onnx's
/// <c>AddResNet18</c>, <c>AddAlexNet</c>), so a host without libtorch cannot be configured for them by mistake.
/// </summary>
public sealed class RepresentationRegistry
{
    private readonly List<RepresentationDescriptor> _all = [];
    private readonly Dictionary<string, RepresentationDescriptor> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>HOG (cell 8), LBP (cell 16) and the sparse SIFT grid (4-px cells), with the paper's settings; and the
    /// sparse grid with COLMAP's extraction settings, for leaked COLMAP databases.</summary>
    public static RepresentationRegistry HandDesigned() =>
        new RepresentationRegistry()
            .Add(
                new(
                    "hog",
                    "VLFeat UoCTTI HOG, cell 8: 31 x (H+4)/8 x (W+4)/8",
                    RepresentationKind.HandDesigned,
                    DecoderLayout.Hog,
                    () => new HogExtractor(),
                    10
                )
            )
            .Add(
                new(
                    "lbp",
                    "VLFeat uniform LBP, cell 16: 58 x H/16 x W/16",
                    RepresentationKind.HandDesigned,
                    DecoderLayout.Lbp,
                    () => new LbpExtractor(),
                    10
                )
            )
            .Add(
                new(
                    "sift-grid",
                    "the paper's sparse SIFT on a 4-px grid: 133 x H/4 x W/4",
                    RepresentationKind.HandDesigned,
                    DecoderLayout.Sift,
                    () => new SparseSiftGrid(),
                    120
                )
            )
            .Add(
                new(
                    "sift-grid-colmap",
                    "the sparse SIFT grid as a COLMAP database holds it (first octave -1, L1-root uint8 descriptors)",
                    RepresentationKind.HandDesigned,
                    DecoderLayout.Sift,
                    () => SparseSiftGrid.Colmap(),
                    120
                )
            )
            .Add(
                new(
                    "sift-grid-opencv",
                    "the sparse SIFT grid as OpenCV's SIFT_create() defaults fill it (first octave -1)",
                    RepresentationKind.HandDesigned,
                    DecoderLayout.Sift,
                    () => SparseSiftGrid.OpenCv(),
                    120
                )
            );

    public IReadOnlyList<RepresentationDescriptor> All => _all;

    public IEnumerable<string> Names => _all.Select(d => d.Name);

    /// <summary>Adds a representation; a second one of the same name is refused.</summary>
    public RepresentationRegistry Add(RepresentationDescriptor descriptor)
    {
        if (!_byName.TryAdd(descriptor.Name, descriptor))
            throw new ArgumentException(
                $"Representation '{descriptor.Name}' is registered already.",
                nameof(descriptor)
            );
        _all.Add(descriptor);
        return this;
    }

    public bool TryGet(
        string name,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RepresentationDescriptor? descriptor
    ) => _byName.TryGetValue(name, out descriptor);

    /// <summary>The descriptor of <paramref name="name"/> (case-insensitive); an unknown name lists the known
    /// ones.</summary>
    public RepresentationDescriptor Get(string name) =>
        TryGet(name, out var d)
            ? d
            : throw new ArgumentException(
                $"Unknown representation '{name}'. Known: {string.Join(", ", Names)}.",
                nameof(name)
            );

    /// <summary>A new extractor of <paramref name="name"/>.</summary>
    public IFeatureRepresentation Create(string name) => Get(name).Create();
}
