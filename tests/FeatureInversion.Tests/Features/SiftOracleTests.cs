using FeatureInversion.Features.Sift;
using FeatureInversion.Oracle;
using Xunit.Abstractions;

namespace FeatureInversion.Tests.Features;

/// <summary>Our SIFT against VLFeat 0.9.21's C API (first octave 0, 3 levels, default thresholds) on the same
/// images.</summary>
[Trait(Tiers.Name, Tiers.Oracle)]
public class SiftOracleTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TestData.Photos), MemberType = typeof(TestData))]
    public void MatchesVlFeatOnPhotographs(string photo)
    {
        var gray = TestData.LoadGray(photo);
        var expected = VlFeat.Sift(gray.Scaled(SiftDetector.IntensityScale).Pixels, gray.Width, gray.Height);
        var actual = new SiftDetector().Detect(gray);

        var report = SiftComparison.Compare(expected, actual);
        output.WriteLine($"{photo}: {report}");
        Assert.True(expected.Count > 50, $"too few reference keypoints ({expected.Count}) for a meaningful comparison");
        Assert.True(
            report.RecallOfReference >= 0.95,
            $"only {report.RecallOfReference:P1} of VLFeat's frames matched: {report}"
        );
        Assert.True(
            report.PrecisionAgainstReference >= 0.95,
            $"only {report.PrecisionAgainstReference:P1} of our frames matched VLFeat's: {report}"
        );
        Assert.True(
            report.MinimumCosine >= 0.99,
            $"a matched descriptor has cosine similarity {report.MinimumCosine:F4}: {report}"
        );
    }

    /// <summary>Our SIFT reproduces VLFeat's float arithmetic step for step (smoothing order, fast expn/atan2/sqrt,
    /// conversions), so frames and descriptors are the same bits in the same order; the vectorised descriptor
    /// and extremum loops are held to that.</summary>
    [Theory]
    [MemberData(nameof(TestData.Photos), MemberType = typeof(TestData))]
    public void EqualsVlFeatBitForBit(string photo)
    {
        var gray = TestData.LoadGray(photo);
        var expected = VlFeat.Sift(gray.Scaled(SiftDetector.IntensityScale).Pixels, gray.Width, gray.Height);
        var actual = new SiftDetector().Detect(gray);

        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.True(
                e.X == a.X && e.Y == a.Y && e.Sigma == a.Sigma && e.Angle == a.Angle,
                $"frame {i}: VLFeat ({e.X}, {e.Y}, {e.Sigma}, {e.Angle}), ours ({a.X}, {a.Y}, {a.Sigma}, {a.Angle})"
            );
            int differ = Enumerable.Range(0, 128).Count(j => e.Descriptor[j] != a.Descriptor[j]);
            Assert.True(differ == 0, $"frame {i}: {differ} of 128 descriptor values differ");
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void MatchesVlFeatForOtherFirstOctaves(int firstOctave)
    {
        var gray = TestData.LoadGray("camera-256x256.jpg");
        var expected = VlFeat.Sift(
            gray.Scaled(SiftDetector.IntensityScale).Pixels,
            gray.Width,
            gray.Height,
            firstOctave: firstOctave
        );
        var actual = new SiftDetector(new SiftOptions { FirstOctave = firstOctave }).Detect(gray);
        var report = SiftComparison.Compare(expected, actual);
        output.WriteLine($"first octave {firstOctave}: {report}");
        Assert.True(expected.Count > 30);
        Assert.True(report.RecallOfReference >= 0.95 && report.PrecisionAgainstReference >= 0.95, report.ToString());
        Assert.True(report.MinimumCosine >= 0.99, report.ToString());
    }
}

/// <summary>Greedy one-to-one matching of SIFT frames by position (≤ 0.5 px), scale (≤ 5%) and angle (≤ 0.05
/// rad).</summary>
internal sealed record SiftComparison(int Reference, int Ours, int Matched, double MinimumCosine, double MeanCosine)
{
    public double RecallOfReference => Reference == 0 ? 1 : (double)Matched / Reference;

    public double PrecisionAgainstReference => Ours == 0 ? 1 : (double)Matched / Ours;

    public override string ToString() =>
        $"reference {Reference}, ours {Ours}, matched {Matched} ({RecallOfReference:P1} / "
        + $"{PrecisionAgainstReference:P1}), descriptor cosine min {MinimumCosine:F5} mean {MeanCosine:F5}";

    public static SiftComparison Compare(IReadOnlyList<VlFeat.SiftFrame> reference, IReadOnlyList<SiftFeature> ours)
    {
        var used = new bool[ours.Count];
        int matched = 0;
        double minCos = 1,
            sumCos = 0;
        foreach (var r in reference)
        {
            int best = -1;
            double bestDistance = double.MaxValue;
            for (int i = 0; i < ours.Count; i++)
            {
                if (used[i])
                    continue;
                var o = ours[i];
                double d = Math.Sqrt((o.X - r.X) * (o.X - r.X) + (o.Y - r.Y) * (o.Y - r.Y));
                if (d > 0.5 || Math.Abs(o.Sigma - r.Sigma) > 0.05 * r.Sigma || AngleDifference(o.Angle, r.Angle) > 0.05)
                    continue;
                double score = d + AngleDifference(o.Angle, r.Angle);
                if (score < bestDistance)
                {
                    bestDistance = score;
                    best = i;
                }
            }
            if (best < 0)
                continue;
            used[best] = true;
            matched++;
            if (r.Descriptor.Length == 128 && ours[best].Descriptor.Length == 128)
            {
                double c = Cosine(r.Descriptor, ours[best].Descriptor);
                minCos = Math.Min(minCos, c);
                sumCos += c;
            }
        }
        return new SiftComparison(reference.Count, ours.Count, matched, minCos, matched == 0 ? 0 : sumCos / matched);
    }

    private static double AngleDifference(double a, double b)
    {
        double d = Math.Abs(a - b) % (2 * Math.PI);
        return Math.Min(d, 2 * Math.PI - d);
    }

    private static double Cosine(float[] a, float[] b)
    {
        double ab = 0,
            aa = 0,
            bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa == 0 && bb == 0 ? 1 : ab / Math.Sqrt(aa * bb);
    }
}
