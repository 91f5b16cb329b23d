using CsCheck;
using FeatureInversion.Features.Sift;

namespace FeatureInversion.Tests.Properties;

/// <summary>
/// The descriptor skips, row by row, the samples outside <c>SiftDetector.ContributingSpan</c>. The skip is exact
/// only if every sample that adds a non-zero weight to a bin lies inside the span; here that is checked against
/// VLFeat's own arithmetic for each sample of the window, over random keypoint frames (axis-aligned angles included,
/// where a row's nx or ny does not change along it).
/// </summary>
public class SiftDescriptorBandProperties
{
    private static readonly Gen<double> Angles = Gen.OneOf(
        Gen.Double[0, 2 * Math.PI],
        Gen.Int[0, 8].Select(k => k * Math.PI / 4)
    );

    [Fact]
    public void EverySampleThatReachesABinLiesInsideItsRowsSpan()
    {
        Gen.Select(Gen.Double[0, 200], Gen.Double[0, 200], Gen.Double[0.5, 12], Angles)
            .Sample(
                (x, y, sigma, angle) =>
                {
                    double sbp = 3 * sigma + 2.220446049250313e-16; // magnification 3, as Describe
                    int radius = (int)Math.Floor(Math.Sqrt(2.0) * sbp * 5 / 2.0 + 0.5);
                    int xi = (int)(x + 0.5),
                        yi = (int)(y + 0.5);
                    double st0 = Math.Sin(angle),
                        ct0 = Math.Cos(angle);
                    var frame = new SiftDetector.DescriptorFrame(x, y, st0, ct0, sbp, angle, 8);
                    for (int py = yi - radius; py <= yi + radius; py++)
                    {
                        var (first, last) = SiftDetector.ContributingSpan(frame, py, xi - radius, xi + radius);
                        float dy = (float)(py - y);
                        for (int px = xi - radius; px <= xi + radius; px++)
                        {
                            float dx = (float)(px - x);
                            float nx = (float)((ct0 * dx + st0 * dy) / sbp);
                            float ny = (float)((-st0 * dx + ct0 * dy) / sbp);
                            int binx = (int)MathF.Floor((float)(nx - 0.5));
                            int biny = (int)MathF.Floor((float)(ny - 0.5));
                            float rbx = (float)(nx - (binx + 0.5)),
                                rby = (float)(ny - (biny + 0.5));
                            bool reaches = Contributes(binx, rbx) && Contributes(biny, rby);
                            Assert.False(
                                reaches && (px < first || px > last),
                                $"sample ({px}, {py}) reaches bin ({binx}, {biny}) outside span {first}..{last}"
                            );
                        }
                    }
                },
                iter: 300
            );
    }

    /// <summary>Whether a sample at <paramref name="bin"/> with remainder <paramref name="r"/> adds a non-zero
    /// weight to a bin along one axis, as VLFeat interpolates: |1 − r| to <paramref name="bin"/> and |r| to the next,
    /// each only inside −2…1. A sample exactly on the window's edge (bin −3, r = 0: a near-axis-aligned frame's rows
    /// round onto it in float) adds nothing, so skipping it is exact.</summary>
    private static bool Contributes(int bin, float r) =>
        (bin >= -2 && bin <= 1 && MathF.Abs(1 - r) != 0) || (bin + 1 >= -2 && bin + 1 <= 1 && MathF.Abs(r) != 0);
}
