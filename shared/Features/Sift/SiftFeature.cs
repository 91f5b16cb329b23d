namespace FeatureInversion.Features.Sift;

/// <summary>
/// An oriented SIFT frame with its descriptor, in VLFeat C API conventions: (X, Y) in pixels of the row-major
/// input image (origin at the centre of the top-left pixel, y pointing down), Sigma the keypoint scale in pixels,
/// Angle in radians in [0, 2π) measured from the x axis towards y (clockwise on screen). The 128-d descriptor is
/// ordered orientation fastest, then x bin, then y bin, L2-normalised, clamped at 0.2 and normalised again.
/// </summary>
public sealed record SiftFeature(float X, float Y, float Sigma, float Angle, float[] Descriptor)
{
    public const int DescriptorLength = 128;
}
