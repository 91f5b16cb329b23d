using FeatureInversion.Imaging;

namespace FeatureInversion.Features;

/// <summary>Argument checks shared by the extractors, so every representation refuses bad input alike.</summary>
internal static class FeatureInput
{
    /// <summary>Checks the image (finite, at least <paramref name="minSide"/> pixels a side) and the output length.</summary>
    public static void Validate(string representation, GrayImage image, int minSide, FeatureShape shape, int outputLength)
    {
        ArgumentNullException.ThrowIfNull(image);
        EnsureSize(representation, image.Width, image.Height, minSide);
        if (outputLength != shape.Length)
            throw new ArgumentException($"{representation}: output buffer holds {outputLength} values, {shape} needs {shape.Length}.");
        image.EnsureFinite();
    }

    /// <summary>As <see cref="EnsureSize"/> for a named input file: the message names it (CLI and pipeline refusals alike).</summary>
    public static void EnsureSizeOf(string representation, string file, int width, int height, int minSide)
    {
        if (width < minSide || height < minSide)
            throw new InvalidImageException($"{file}: {representation}: image {width}x{height} is smaller than the minimum {minSide}x{minSide}.");
    }

    public static void EnsureSize(string representation, int width, int height, int minSide)
    {
        if (width < minSide || height < minSide)
            throw new ArgumentException($"{representation}: image {width}x{height} is smaller than the minimum {minSide}x{minSide}.");
    }
}
