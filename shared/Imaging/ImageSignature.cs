namespace FeatureInversion.Imaging;

/// <summary>
/// Re-identification by pixels: which of a set of candidate photos a reconstruction shows. An image's signature is
/// its 32 × 32 grayscale thumbnail (triangle-filter resize, MATLAB rgb2gray), standardised to zero mean and unit norm;
/// two images' similarity is the correlation of their signatures (1 for the same layout of tones, whatever the
/// brightness and contrast). A reconstruction's rank is 1 + the number of other candidates at least as similar as the
/// true photo (ties count against it), so top-1 means picked out alone. The measure the audit states
/// (docs/results.md): it finds blurry reconstructions where ImageNet embeddings stay at chance.
/// </summary>
public static class ImageSignature
{
    /// <summary>Side of the grayscale thumbnails compared.</summary>
    public const int Side = 32;

    /// <summary>A photo's signature is taken from the photo upright at most this many pixels on its longer side (the
    /// gallery thumbnail's size; <see cref="ImageFiles.DecodeUpload"/>, <see cref="ImageFiles.DecodeResized"/>), so it
    /// is one function of the photo's bytes, whichever result or upload computes it.</summary>
    public const int SourceSide = 160;

    /// <summary>The standardised signature of an image.</summary>
    public static float[] Of(ColorImage image) =>
        Standardize(ImageFiles.Resize(image, Side, Side).ToGray().Pixels.ToArray());

    /// <summary>The thumbnail as stored beside a result: 32 × 32 gray bytes (0–255), base64.</summary>
    public static string Encode(ColorImage image)
    {
        var gray = (image.Width == Side && image.Height == Side ? image : ImageFiles.Resize(image, Side, Side))
            .ToGray()
            .Pixels;
        var bytes = new byte[gray.Length];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = Rgb24Pixels.ToByte(gray[i]);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The standardised signature of a stored thumbnail (<see cref="Encode"/>); null when it is not one
    /// (a record from another version, a damaged one).</summary>
    public static float[]? Decode(string? stored) => Thumbnail(stored) is { } bytes ? FromThumbnail(bytes) : null;

    /// <summary>A stored thumbnail's 32 × 32 gray bytes (<see cref="Encode"/>); null when it is not one.</summary>
    public static byte[]? Thumbnail(string? stored)
    {
        if (stored is null)
            return null;
        var bytes = new byte[Side * Side];
        return Convert.TryFromBase64String(stored, bytes, out int written) && written == bytes.Length ? bytes : null;
    }

    /// <summary>The standardised signature of a thumbnail's bytes: what <see cref="Decode"/> gives for its text, to
    /// the bit (a quarter of the memory kept as bytes, standardised when compared).</summary>
    public static float[] FromThumbnail(ReadOnlySpan<byte> thumbnail)
    {
        var gray = new float[thumbnail.Length];
        for (int i = 0; i < gray.Length; i++)
            gray[i] = thumbnail[i] / 255f;
        return Standardize(gray);
    }

    /// <summary>Correlation of two standardised signatures (their dot product).</summary>
    public static double Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Signatures of {a.Length} and {b.Length} values cannot be compared.");
        double dot = 0;
        for (int i = 0; i < a.Length; i++)
            dot += a[i] * b[i];
        return dot;
    }

    /// <summary>1 + the number of candidates other than <paramref name="truth"/> at least as similar (ties count
    /// against the truth).</summary>
    public static int Rank(IReadOnlyList<double> similarities, int truth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(truth);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(truth, similarities.Count);
        int rank = 1;
        for (int i = 0; i < similarities.Count; i++)
            if (i != truth && similarities[i] >= similarities[truth])
                rank++;
        return rank;
    }

    /// <summary>Zero mean, unit norm (a flat image stays all zeros: it correlates with nothing).</summary>
    private static float[] Standardize(float[] gray)
    {
        float mean = gray.Average();
        for (int i = 0; i < gray.Length; i++)
            gray[i] -= mean;
        double norm = Math.Sqrt(gray.Sum(v => (double)v * v));
        if (norm > 0)
            for (int i = 0; i < gray.Length; i++)
                gray[i] = (float)(gray[i] / norm);
        return gray;
    }
}
