using FeatureInversion.Imaging;

namespace FeatureInversion.Features;

/// <summary>
/// A feature representation Φ computed on a grayscale image, producing a dense channels × rows × cols map.
/// HOG, LBP, the sparse-SIFT grid and (later) CNN layers all implement it, so decoders and the pipeline
/// treat them alike. Implementations keep their scratch buffers between calls, so one instance serves a
/// batch of images; they are not thread-safe: use one instance per thread. The lifecycle is VLFeat's
/// <c>vl_hog_new</c> / <c>vl_hog_put_image</c> / <c>vl_hog_delete</c>: create, extract any number of times, dispose.
/// Disposing releases what an extractor owns (a CNN layer's native network); the hand-designed ones own only managed
/// buffers and keep the default no-op.
/// </summary>
public interface IFeatureRepresentation : IDisposable
{
    void IDisposable.Dispose() => GC.SuppressFinalize(this);

    /// <summary>Stable lower-case name used on the command line, in manifests and in blob names (e.g. "hog").</summary>
    string Name { get; }

    /// <summary>Settings that change the output (cell size, variant…), recorded in decoder manifests.</summary>
    IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The output shape for an image of the given size; throws when the image is too small.</summary>
    FeatureShape OutputShape(int width, int height);

    /// <summary>Computes the features into <paramref name="output"/>, whose length must be <c>OutputShape(w,
    /// h).Length</c>.</summary>
    void Extract(GrayImage image, Span<float> output);
}

public static class FeatureRepresentationExtensions
{
    /// <summary>Computes the features into a newly allocated map.</summary>
    public static FeatureMap Extract(this IFeatureRepresentation representation, GrayImage image)
    {
        var map = new FeatureMap(representation.OutputShape(image.Width, image.Height));
        representation.Extract(image, map.Data);
        return map;
    }

    /// <summary>Converts to grayscale as <c>rgb2gray</c> and computes the features.</summary>
    public static FeatureMap Extract(this IFeatureRepresentation representation, ColorImage image) =>
        representation.Extract(image.ToGray());
}
