using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FeatureInversion.Imaging;

/// <summary>
/// Conversion between ImageSharp's interleaved 8-bit <see cref="Image{Rgb24}"/> and planar <see cref="ColorImage"/>
/// in [0, 1] (value / 255; back: rounded and clamped). The one place pixels are packed and unpacked.
/// </summary>
public static class Rgb24Pixels
{
    public static ColorImage ToColorImage(Image<Rgb24> image)
    {
        var color = new ColorImage(image.Width, image.Height);
        int plane = image.Width * image.Height;
        var planes = color.Planes;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                Unpack(
                    row,
                    planes.AsSpan(y * rows.Width, row.Length),
                    planes.AsSpan(plane + y * rows.Width, row.Length),
                    planes.AsSpan(2 * plane + y * rows.Width, row.Length)
                );
            }
        });
        return color;
    }

    /// <summary>One row of pixels as three planes of values in [0, 1].</summary>
    public static void Unpack(ReadOnlySpan<Rgb24> row, Span<float> r, Span<float> g, Span<float> b)
    {
        for (int x = 0; x < row.Length; x++)
        {
            r[x] = row[x].R / 255f;
            g[x] = row[x].G / 255f;
            b[x] = row[x].B / 255f;
        }
    }

    public static Image<Rgb24> ToImage(ColorImage image)
    {
        var result = new Image<Rgb24>(image.Width, image.Height);
        int plane = image.Width * image.Height;
        var planes = image.Planes;
        result.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                var r = planes.AsSpan(y * rows.Width, row.Length);
                var g = planes.AsSpan(plane + y * rows.Width, row.Length);
                var b = planes.AsSpan(2 * plane + y * rows.Width, row.Length);
                for (int x = 0; x < row.Length; x++)
                    row[x] = new Rgb24(ToByte(r[x]), ToByte(g[x]), ToByte(b[x]));
            }
        });
        return result;
    }

    public static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
}
