using FeatureInversion.Imaging;

namespace FeatureInversion.Features;

/// <summary>Argument checks shared by the extractors, so every representation refuses bad input alike.</summary>
internal static class FeatureInput
{
    /// <summary>Checks the image (finite, at least <paramref name="minSide"/> pixels a side) and the output
    /// length.</summary>
    public static void Validate(
        string representation,
        GrayImage image,
        int minSide,
        FeatureShape shape,
        int outputLength
    )
    {
        ArgumentNullException.ThrowIfNull(image);
        EnsureSize(representation, image.Width, image.Height, minSide);
        if (outputLength != shape.Length)
            throw new ArgumentException(
                $"{representation}: output buffer holds {outputLength} values, {shape} needs {shape.Length}."
            );
        image.EnsureFinite();
    }

    /// <summary>Runs a size check for the image file <paramref name="file"/>: its refusal becomes an
    /// <see cref="InvalidImageException"/> naming the file (the CLI's message, which the pipeline records
    /// too).</summary>
    public static void ForFile(string file, Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException e)
        {
            throw new InvalidImageException($"{file}: {e.Message}", e);
        }
    }

    public static void EnsureSize(string representation, int width, int height, int minSide)
    {
        if (width < minSide || height < minSide)
            throw new ArgumentException(
                $"{representation}: image {width}x{height} is smaller than the minimum {minSide}x{minSide}."
            );
    }
}
