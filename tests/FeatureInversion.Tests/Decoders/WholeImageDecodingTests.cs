using FeatureInversion.Features.Sources;
using static TorchSharp.torch;

namespace FeatureInversion.Tests.Decoders;

/// <summary>Whole images from maps of any size: the convolutional decoders run over them, padded to their
/// stride.</summary>
public class WholeImageDecodingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Tiles give what one pass gives: the shipped HOG decoder on a photo, in tiles of 72 cells (8-cell
    /// cores with 32 cells of context each side: 35 tiles) against the whole map at once.</summary>
    [Fact]
    public void TiledDecodingBlendsIntoWhatOnePassGives()
    {
        var (network, _) = DecoderCheckpoint.Load(
            Path.Combine(TestData.Root, "models", "hog-64px-w0.25"),
            TestData.Representations
        );
        using (network)
        {
            var photo = TestData.LoadPhoto("chelsea-451x300.jpg");
            var map = network.Spec.Representation.Create().Extract(photo); // 38 × 56 cells
            var whole = WholeImageDecoding.Decode(network, map);
            var tiled = WholeImageDecoding.Decode(network, map, null, null, tileCells: 72);
            Assert.Equal((whole.Width, whole.Height), (tiled.Width, tiled.Height));
            var diff = whole.Planes.Zip(tiled.Planes, (a, b) => Math.Abs(a - b)).ToArray();
            double mean = diff.Average(),
                max = diff.Max();
            output.WriteLine($"tiled vs one pass: mean |difference| {mean:F5}, max {max:F4} (pixel values in [0, 1])");
            Assert.True(mean < 1e-5, $"mean {mean}"); // 16 cells of context: mean 0.002, max 0.046
            Assert.True(max < 1e-4, $"max {max}");
            Assert.Throws<ArgumentOutOfRangeException>(() =>
                WholeImageDecoding.Decode(network, map, null, null, tileCells: 64)
            );
        }
    }

    [Theory]
    [InlineData("hog", 8, 8)] // three stride-2 convolutions, 8-px cells
    [InlineData("sift-grid", 16, 4)]
    [InlineData("lbp", 4, 16)]
    public void DecodersRunOverAnyMapSizeAtTheirCellSize(string representation, int multiple, int cell)
    {
        random.manual_seed(3);
        using var network = new DecoderNetwork(
            DecoderArchitecture.For(TestData.Representation(representation), 64, 0.0625)
        );
        Assert.Equal(
            (multiple, cell),
            (WholeImageDecoding.Multiple(network.Spec), WholeImageDecoding.CellPixels(network.Spec))
        );
        var photo = TestData.LoadPhoto("chelsea-451x300.jpg"); // not square, not a multiple of any cell
        var map = network.Spec.Representation.Create().Extract(photo);
        var image = WholeImageDecoding.Decode(network, map);
        Assert.Equal((map.Shape.Cols * cell, map.Shape.Rows * cell), (image.Width, image.Height));
        Assert.All(image.Planes, v => Assert.InRange(v, 0f, 1f));
        var cropped = WholeImageDecoding.Decode(network, map, image.Width - 3, image.Height - 5);
        Assert.Equal((image.Width - 3, image.Height - 5), (cropped.Width, cropped.Height));
        Assert.Equal(
            image.Planes[(2 * image.Height + 7) * image.Width + 9],
            cropped.Planes[(2 * cropped.Height + 7) * cropped.Width + 9]
        );
    }

    /// <summary>At the training size nothing is padded: the whole-image path gives what the batched path
    /// gives.</summary>
    [Theory]
    [InlineData("hog")]
    [InlineData("sift-grid")]
    public void AtTheTrainingSizeItEqualsTheBatchedDecode(string representation)
    {
        random.manual_seed(4);
        using var network = new DecoderNetwork(
            DecoderArchitecture.For(TestData.Representation(representation), 64, 0.0625)
        );
        var map = network
            .Spec.Representation.Create()
            .Extract(ImageFiles.CenterSquare(TestData.LoadPhoto("coffee-480x320.jpg"), 64));
        var whole = WholeImageDecoding.Decode(network, map);
        var batched = DecoderInference.Decode(network, [map])[0];
        Assert.Equal(batched.Planes, whole.Planes);
    }

    /// <summary>Padding must not reach into the image: cells far from the padded border decode the same whatever
    /// the padding adds (the sparse grid pads with empty cells, exactly what an empty border is).</summary>
    [Fact]
    public void ASparseGridPaddedByHandDecodesToTheSameCrop()
    {
        random.manual_seed(6);
        using var network = new DecoderNetwork(
            DecoderArchitecture.For(TestData.Representation("sift-grid"), 64, 0.0625)
        );
        var set = Assert.Single(
            OpenCvSiftArchive
                .Read(
                    Path.Combine(TestData.Root, "tests", "data", "fixtures", "descriptors", "opencv-sift.npz"),
                    (480, 320)
                )
                .Images
        );
        var map = set.Scaled(0.25).ToGrid(); // 120×80 px: 30×20 cells, padded to 32×32
        var padded = new FeatureMap(new FeatureShape(map.Shape.Channels, 32, 32));
        for (int c = 0; c < map.Shape.Channels; c++)
        for (int y = 0; y < map.Shape.Rows; y++)
            map.Data.AsSpan((c * map.Shape.Rows + y) * map.Shape.Cols, map.Shape.Cols)
                .CopyTo(padded.Data.AsSpan((c * 32 + y) * 32));
        var image = WholeImageDecoding.Decode(network, map, 120, 80);
        var full = WholeImageDecoding.Decode(network, padded);
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < 80; y++)
        for (int x = 0; x < 120; x++)
            Assert.Equal(full.Planes[(c * 128 + y) * 128 + x], image.Planes[(c * 80 + y) * 120 + x]);
    }

    [Fact]
    public void MapsOfTheWrongDepthAndFullyConnectedDecodersAreRefused()
    {
        using var hog = new DecoderNetwork(DecoderArchitecture.For(TestData.Representation("hog"), 64, 0.0625));
        Assert.Contains(
            "takes 31",
            Assert
                .Throws<ArgumentException>(() =>
                    WholeImageDecoding.Decode(hog, new FeatureMap(new FeatureShape(30, 8, 8)))
                )
                .Message
        );
        Assert.Contains(
            "at most",
            Assert
                .Throws<ArgumentException>(() =>
                    WholeImageDecoding.Decode(hog, new FeatureMap(new FeatureShape(31, 8, 8)), 65, 64)
                )
                .Message
        );
        var fc = DecoderArchitecture.For(TestData.Representation("resnet18-pool5"), 64, 0.0625);
        Assert.Throws<NotSupportedException>(() => WholeImageDecoding.Multiple(fc));
    }
}
