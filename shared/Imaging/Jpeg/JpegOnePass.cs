using FeatureInversion.Imaging.Integrity;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FeatureInversion.Imaging.Jpeg;

/// <summary>
/// A JPEG checked and decoded in one pass over its entropy-coded data (issue 28): the completeness walk keeps the
/// coefficients it reads (<see cref="JpegIntegrity"/>, same verdicts and messages) and <see cref="JpegPixels"/> makes
/// ImageSharp's pixels from them. Files the pass does not decode (arithmetic, lossless, 12-bit, CMYK/YCCK, odd
/// sampling, and anything ImageSharp would read differently) are checked by the same pass and decoded by ImageSharp
/// afterwards, as every JPEG was before; so is every JPEG on a CPU without AVX2.
/// </summary>
internal static class JpegOnePass
{
    public static bool Applies(ReadOnlySpan<byte> bytes) => JpegPixels.Supported && JpegIntegrity.IsJpeg(bytes);

    /// <summary>The pixels; null when the file is complete but ImageSharp is to decode it; the walk's verdict as a
    /// problem when it is refused.</summary>
    public static (Image<Rgb24>? Image, string? Problem) Decode(ReadOnlySpan<byte> bytes, Configuration configuration)
    {
        JpegPixels.Writer? streamed = null;
        JpegCoefficients? coefficients = null;
        try
        {
            string? problem;
            try
            {
                (coefficients, problem, _) = JpegIntegrity.Decode(bytes, rows =>
                {
                    streamed = new JpegPixels.Writer(rows, configuration);
                    return mcuRow => streamed.McuRow(mcuRow, 0);
                });
            }
            catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
            {
                return (null, $"its structure cannot be walked: {e.GetType().Name}"); // as Inspect says it
            }
            if (problem is not null || coefficients is null)
                return (null, problem);
            return (streamed is not null ? streamed.Detach() : JpegPixels.ToImage(coefficients, configuration), null);
        }
        finally
        {
            streamed?.Dispose();
            coefficients?.Release();
        }
    }
}
