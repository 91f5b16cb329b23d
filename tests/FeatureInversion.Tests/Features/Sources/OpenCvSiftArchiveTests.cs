using System.IO.Compression;
using System.Text;
using FeatureInversion.Features.Sift;
using FeatureInversion.Features.Sources;
using static FeatureInversion.Tests.Features.Sources.DescriptorFixtures;

namespace FeatureInversion.Tests.Features.Sources;

/// <summary>The OpenCV .npz reader against OpenCV 4.6's own output, and against archives a script could get
/// wrong.</summary>
public class OpenCvSiftArchiveTests
{
    [Fact]
    public void ReadsOpenCvsKeypointsInVlFeatsConventions()
    {
        var file = OpenCvSiftArchive.Read(OpenCv, (480, 320));
        var coffee = Assert.Single(file.Images);
        Assert.Equal((480, 320, 423), (coffee.Width, coffee.Height, coffee.Frames.Count));

        // OpenCV's detector is not VLFeat's (its pyramid differs), so keypoints agree to a fraction of a pixel.
        var ours = new SiftDetector().Detect(TestData.LoadGray("coffee-480x320.jpg"));
        var pairs = Match(coffee.Frames, ours, radius: 0.5);
        Assert.True(pairs.Count >= 40, $"{pairs.Count} keypoints in common");
        // the quarter pixel removed
        Assert.InRange(Median(pairs.Select(p => (double)(p.Theirs.X - p.Ours.X))), -0.1, 0.1);
        Assert.InRange(Median(pairs.Select(p => (double)(p.Theirs.Y - p.Ours.Y))), -0.1, 0.1);
        Assert.InRange(Median(pairs.Select(p => (double)p.Theirs.Sigma / p.Ours.Sigma)), 0.97, 1.03);
        Assert.InRange(Median(pairs.Select(p => Cosine(p.Theirs.Descriptor, p.Ours.Descriptor))), 0.99, 1.0);
    }

    /// <summary>The sift-grid-opencv decoder's training features (<see cref="SparseSiftGrid.OpenCv"/>) are meant to
    /// look like OpenCV's keypoints: with OpenCV's settings our SIFT finds more of them than with the
    /// paper's.</summary>
    [Fact]
    public void TheOpenCvSettingsFindMoreOfOpenCvsKeypointsThanThePapers()
    {
        var coffee = Assert.Single(OpenCvSiftArchive.Read(OpenCv, (480, 320)).Images);
        var gray = TestData.LoadGray("coffee-480x320.jpg");
        var paper = new SiftDetector().Detect(gray);
        var emulated = new SiftDetector(SparseSiftGrid.OpenCvOptions).Detect(gray);
        int withPaper = Match(coffee.Frames, paper, radius: 0.5).Count;
        int withEmulation = Match(coffee.Frames, emulated, radius: 0.5).Count;
        Assert.True(
            withEmulation > withPaper,
            $"of OpenCV's {coffee.Frames.Count}: {withEmulation} found with OpenCV's settings ({emulated.Count} "
                + $"keypoints), {withPaper} with the paper's ({paper.Count})"
        );
    }

    [Fact]
    public void WithoutAStoredSizeTheExtentIsUsedAndSaid()
    {
        var coffee = Assert.Single(OpenCvSiftArchive.Read(OpenCv).Images);
        Assert.InRange(coffee.Width, 400, 480);
        Assert.Contains(coffee.Notes, n => n.Contains("image size not stored"));
    }

    /// <summary>What a Python script saves: numpy's default float64 for a list of keypoint tuples, extra columns
    /// (response, octave), a stored image size; and what it can get wrong.</summary>
    [Fact]
    public void ArchivesAsScriptsWriteThemAreReadOrRefusedWithTheReason()
    {
        double[] keypoint = [100.25, 50.25, 4.0, 90.0, 0.03, 1];
        var descriptor = Enumerable.Range(0, 128).Select(i => (float)(i % 8 == 1 ? 100 : 0)).ToArray();
        var archive = Npz(
            ("keypoints", Npy("<f8", [1, 6], keypoint.SelectMany(BitConverter.GetBytes))),
            ("descriptors", Npy("<f4", [1, 128], descriptor.SelectMany(BitConverter.GetBytes))),
            ("image_size", Npy("<i8", [2], new long[] { 200, 100 }.SelectMany(BitConverter.GetBytes)))
        );
        // int64 sizes are not among the types read: the size must then come from elsewhere, and the error says so.
        Assert.Contains("image_size", Assert.Throws<InvalidDataException>(() => Read(archive)).Message);

        archive = Npz(
            ("keypoints", Npy("<f8", [1, 6], keypoint.SelectMany(BitConverter.GetBytes))),
            ("descriptors", Npy("<f4", [1, 128], descriptor.SelectMany(BitConverter.GetBytes))),
            ("image_size", Npy("<f8", [2], new double[] { 200, 100 }.SelectMany(BitConverter.GetBytes)))
        );
        var set = Assert.Single(Read(archive).Images);
        Assert.Equal((200, 100), (set.Width, set.Height));
        var f = Assert.Single(set.Frames);
        Assert.Equal((100f, 50f, 2f), (f.X, f.Y, f.Sigma));
        Assert.Equal(MathF.PI / 2, f.Angle, 1e-5f);
        // orientation bin 1 in UBC order is bin 7 in VLFeat's (16 equal bins, unit norm)
        Assert.Equal(0.25f, f.Descriptor[7], 1e-6f);
        Assert.Contains(set.Notes, n => n.Contains("float64 converted"));

        Assert.Contains(
            "no 'descriptors'",
            Assert
                .Throws<InvalidDataException>(() => Read(Npz(("keypoints", Npy("<f4", [1, 4], new byte[16])))))
                .Message
        );
        Assert.Contains(
            "expected 2 × 128",
            Assert
                .Throws<InvalidDataException>(() =>
                    Read(
                        Npz(
                            ("keypoints", Npy("<f4", [2, 4], new byte[32])),
                            ("descriptors", Npy("<f4", [1, 128], new byte[512]))
                        )
                    )
                )
                .Message
        );
        Assert.Contains(
            "positive diameter",
            Assert
                .Throws<InvalidDataException>(() =>
                    Read(
                        Npz(
                            ("keypoints", Npy("<f4", [1, 4], new byte[16])),
                            ("descriptors", Npy("<f4", [1, 128], new byte[512]))
                        )
                    )
                )
                .Message
        );
        Assert.Contains(
            "not a readable .npz",
            Assert.Throws<InvalidDataException>(() => Read([.. "PK\u0003\u0004"u8, .. new byte[100]])).Message
        );
        var whole = File.ReadAllBytes(OpenCv);
        Assert.ThrowsAny<InvalidDataException>(() => Read(whole[..(whole.Length / 2)]));
    }

    private static DescriptorFile Read(byte[] archive) => OpenCvSiftArchive.Read(new MemoryStream(archive), "test.npz");

    private static byte[] Npz(params (string Key, byte[] Npy)[] members)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (key, npy) in members)
            {
                using var entry = zip.CreateEntry(key + ".npy").Open();
                entry.Write(npy);
            }
        }
        return stream.ToArray();
    }

    private static byte[] Npy(string descr, int[] shape, IEnumerable<byte> data)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = Encoding.ASCII.GetBytes($"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}\n");
        return
        [
            0x93,
            (byte)'N',
            (byte)'U',
            (byte)'M',
            (byte)'P',
            (byte)'Y',
            1,
            0,
            (byte)header.Length,
            0,
            .. header,
            .. data,
        ];
    }
}
