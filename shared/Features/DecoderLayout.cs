namespace FeatureInversion.Features;

/// <summary>
/// Which of the paper's decoder tables (Dosovitskiy &amp; Brox, CVPR 2016, supplementary Tables 3–7) inverts a
/// representation. A representation's descriptor names its layout; <c>FeatureInversion.Models.DecoderArchitecture</c>
/// builds the layers for it at any image size and width.
/// </summary>
public enum DecoderLayout
{
    /// <summary>Table 3: HOG, streams A (strided convolutions and back up) and B (at cell resolution) joined at
    /// J.</summary>
    Hog,

    /// <summary>Table 4: the sparse SIFT grid, strided convolutions to a small map, then up-convolutions.</summary>
    Sift,

    /// <summary>Table 5: LBP.</summary>
    Lbp,

    /// <summary>Table 6: a convolutional CNN layer (a feature map with spatial extent).</summary>
    CnnConvolutional,

    /// <summary>Table 7: a vector CNN layer (fully connected or globally pooled): fully connected, reshape,
    /// up-convolutions.</summary>
    CnnVector,
}

/// <summary>Where a representation comes from: designed by hand (computed here in C#) or a layer of a CNN
/// (TorchSharp).</summary>
public enum RepresentationKind
{
    HandDesigned,
    CnnLayer,
}
