namespace FeatureInversion.Imaging;

/// <summary>
/// EXIF orientation (TIFF 6.0 tag 274, values 1–8): how the stored pixels must be flipped or rotated to be shown
/// upright. Cameras store sensor rows and set the tag instead of rotating; features computed on the stored pixels
/// of a portrait photo would describe it lying on its side. The mapping agrees with ImageSharp's AutoOrient (tested).
/// </summary>
public static class ExifOrientation
{
    /// <summary>The stored pixel (x, y) shown at displayed pixel (dx, dy) of an image stored <paramref name="w"/> ×
    /// <paramref name="h"/>.</summary>
    public static (int X, int Y) StoredOf(int orientation, int dx, int dy, int w, int h) =>
        orientation switch
        {
            2 => (w - 1 - dx, dy),
            3 => (w - 1 - dx, h - 1 - dy),
            4 => (dx, h - 1 - dy),
            5 => (dy, dx),
            6 => (dy, h - 1 - dx),
            7 => (w - 1 - dy, h - 1 - dx),
            8 => (w - 1 - dy, dx),
            _ => (dx, dy),
        };

    /// <summary>The image as displayed (a new image for orientations 2–8; the same one for 1).</summary>
    public static ColorImage Apply(ColorImage stored, int orientation)
    {
        if (orientation is < 2 or > 8)
            return stored;
        int w = stored.Width,
            h = stored.Height;
        bool transposed = orientation >= 5;
        int dw = transposed ? h : w,
            dh = transposed ? w : h;
        var shown = new ColorImage(dw, dh);
        for (int c = 0; c < 3; c++)
        {
            var src = stored.Plane(c);
            var dst = shown.Plane(c);
            for (int dy = 0; dy < dh; dy++)
            {
                for (int dx = 0; dx < dw; dx++)
                {
                    var (x, y) = StoredOf(orientation, dx, dy, w, h);
                    dst[dy * dw + dx] = src[y * w + x];
                }
            }
        }
        return shown;
    }
}
