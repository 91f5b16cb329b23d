using FeatureInversion.Analysis;
using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.IO;

namespace FeatureInversion.Decoders;

/// <summary>Reconstructs images with a trained decoder from a photograph or from stored features.</summary>
public static class Reconstruction
{
    /// <summary>
    /// The decoder's view of a photograph: its centred largest square, resized (triangle filter) to the decoder's
    /// size, as the training crops were made.
    /// </summary>
    public static ColorImage DecoderInput(ColorImage photo, int size)
    {
        int side = Math.Min(photo.Width, photo.Height);
        int x0 = (photo.Width - side) / 2, y0 = (photo.Height - side) / 2;
        var square = new ColorImage(side, side);
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < side; y++)
            {
                photo.Planes.AsSpan((c * photo.Height + y0 + y) * photo.Width + x0, side).CopyTo(square.Planes.AsSpan((c * side + y) * side, side));
            }
        }
        return side == size ? square : ImageFiles.Resize(square, size, size);
    }

    /// <summary>Computes the decoder's representation of the photo and decodes it; returns (input, features, reconstruction).</summary>
    public static (ColorImage Input, FeatureMap Features, ColorImage Reconstruction) FromPhoto(DecoderNetwork network, ColorImage photo)
    {
        var input = DecoderInput(photo, network.Spec.ImageSize);
        var features = FeatureRepresentations.Create(network.Spec.Representation).Extract(input);
        return (input, features, DecoderEvaluation.Decode(network, [features])[0]);
    }

    /// <summary>Decodes features read from a float32 .npy array of the decoder's input shape.</summary>
    public static ColorImage FromNpy(DecoderNetwork network, string path)
    {
        var (data, shape) = NpyFile.Read(path);
        var expected = network.Spec.Input;
        if (shape.Length != 3 || shape[0] != expected.Channels || shape[1] != expected.Rows || shape[2] != expected.Cols)
            throw new InvalidDataException($"{path}: features are ({string.Join(", ", shape)}), the {network.Spec.Representation} decoder takes ({expected.Channels}, {expected.Rows}, {expected.Cols}).");
        return DecoderEvaluation.Decode(network, [new FeatureMap(expected, data)])[0];
    }
}
