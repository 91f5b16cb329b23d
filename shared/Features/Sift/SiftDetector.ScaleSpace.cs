using System.Numerics;
using FeatureInversion.Imaging;

namespace FeatureInversion.Features.Sift;

/// <summary>Gaussian scale space, DoG and gradients of one octave (vl_sift_process_first/next_octave,
/// update_gradient).</summary>
public sealed partial class SiftDetector
{
    private void FirstOctave(GrayImage image, int w, int h)
    {
        var octave = Level(SMin);
        int oMin = Options.FirstOctave;
        if (oMin == 0)
        {
            var pixels = image.Pixels;
            for (int i = 0; i < pixels.Length; i++)
                octave[i] = pixels[i] * IntensityScale;
        }
        else if (oMin < 0)
        {
            // Linear upsampling by 2 per octave below zero: rows, transposed, then rows again (copy_and_upsample_rows).
            var scaled = new float[image.Pixels.Length];
            for (int i = 0; i < scaled.Length; i++)
                scaled[i] = image.Pixels[i] * IntensityScale;
            int cw = image.Width,
                ch = image.Height;
            var source = scaled;
            for (int o = 0; o > oMin; o--)
            {
                UpsampleRowsTransposed(_temp, source, cw, ch);
                UpsampleRowsTransposed(octave, _temp, ch, 2 * cw);
                cw *= 2;
                ch *= 2;
                source = (float[])octave.Clone();
            }
        }
        else
        {
            var pixels = image.Pixels;
            int step = 1 << oMin;
            int i = 0;
            for (int y = 0; y + step - 1 < image.Height && i < w * h; y += step)
            {
                for (int x = 0; x < image.Width - (step - 1); x += step)
                    octave[i++] = pixels[y * image.Width + x] * IntensityScale;
            }
        }

        // Bring the base level from the nominal input blur (0.5 at octave 0) to σ0·k^s_min.
        double sa = Sigma0 * Math.Pow(Sigmak, SMin);
        double sb = 0.5 * Math.Pow(2.0, -oMin);
        if (sa > sb)
            _smoother.Smooth(octave, _temp, octave, w, h, Math.Sqrt(sa * sa - sb * sb));
        FillOctave(w, h);
    }

    private void NextOctave(int w, int h)
    {
        // The new base is level s_min + S of the previous octave, taking every other pixel.
        int sBest = Math.Min(SMin + S, SMax);
        int pw = _levelsWidth,
            ph = _levelsHeight;
        var source = Level(sBest);
        var octave = Level(SMin);
        int i = 0;
        for (int y = 0; y < ph && i < w * h; y += 2)
        {
            for (int x = 0; x < pw - 1; x += 2)
                octave[i++] = source[y * pw + x];
        }

        // VLFeat evaluates these two in float (powf); they are equal for the default geometry, so no smoothing.
        double sa = Sigma0 * MathF.Pow((float)Sigmak, SMin);
        double sb = Sigma0 * MathF.Pow((float)Sigmak, sBest - S);
        if (sa > sb)
            _smoother.Smooth(octave, _temp, octave, w, h, Math.Sqrt(sa * sa - sb * sb));
        FillOctave(w, h);
    }

    private int _levelsWidth,
        _levelsHeight;

    private void FillOctave(int w, int h)
    {
        _levelsWidth = w;
        _levelsHeight = h;
        for (int s = SMin + 1; s <= SMax; s++)
        {
            _smoother.Smooth(Level(s), _temp, Level(s - 1), w, h, DeltaSigma0 * Math.Pow(Sigmak, s));
        }
        int n = w * h;
        for (int s = SMin; s < SMax; s++)
        {
            Subtract(Level(s + 1).AsSpan(0, n), Level(s).AsSpan(0, n), _dog[s - SMin].AsSpan(0, n));
        }
    }

    private static void Subtract(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
    {
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(a[i..]) - new Vector<float>(b[i..])).CopyTo(result[i..]);
        }
        for (; i < a.Length; i++)
            result[i] = a[i] - b[i];
    }

    /// <summary>copy_and_upsample_rows: doubles each row by linear interpolation and writes it transposed.</summary>
    private static void UpsampleRowsTransposed(float[] dst, float[] src, int width, int height)
    {
        for (int y = 0; y < height; y++)
        {
            int s = y * width;
            float a = src[s],
                b = a;
            for (int x = 0; x < width - 1; x++)
            {
                b = src[s + x + 1];
                dst[(2 * x) * height + y] = a;
                dst[(2 * x + 1) * height + y] = 0.5f * (a + b);
                a = b;
            }
            dst[(2 * width - 2) * height + y] = b;
            dst[(2 * width - 1) * height + y] = b;
        }
    }

    /// <summary>
    /// Gradient magnitude and angle of levels s_min+1..s_max−2: central differences inside, one-sided at the
    /// border, magnitude by VLFeat's fast square root and angle by its fast atan2 wrapped into [0, 2π].
    /// </summary>
    private void ComputeGradients(int w, int h)
    {
        for (int s = SMin + 1; s <= SMax - 2; s++)
        {
            var src = Level(s);
            var mag = _magnitude[s - SMin - 1];
            var ang = _angle[s - SMin - 1];
            for (int y = 0; y < h; y++)
            {
                int row = y * w;
                int up = y > 0 ? row - w : row,
                    down = y < h - 1 ? row + w : row;
                // Central differences halve; one-sided ones at the border do not.
                float yScale = y > 0 && y < h - 1 ? 0.5f : 1f;
                GradientAt(src, mag, ang, row, up, down, 0, w, yScale);
                int x = 1;
                var half = new Vector<float>(0.5f);
                var vyScale = new Vector<float>(yScale);
                for (; x + Vector<float>.Count <= w - 1; x += Vector<float>.Count)
                {
                    var gx = half * (new Vector<float>(src, row + x + 1) - new Vector<float>(src, row + x - 1));
                    var gy = vyScale * (new Vector<float>(src, down + x) - new Vector<float>(src, up + x));
                    VlMath.FastSqrt(gx * gx + gy * gy).CopyTo(mag, row + x);
                    VlMath.GradientAngle(gy, gx).CopyTo(ang, row + x);
                }
                for (; x < w - 1; x++)
                    GradientAt(src, mag, ang, row, up, down, x, w, yScale);
                if (w > 1)
                    GradientAt(src, mag, ang, row, up, down, w - 1, w, yScale);
            }
        }
    }

    private static void GradientAt(
        float[] src,
        float[] mag,
        float[] ang,
        int row,
        int up,
        int down,
        int x,
        int w,
        float yScale
    )
    {
        int left = x > 0 ? x - 1 : x,
            right = x < w - 1 ? x + 1 : x;
        float xScale = x > 0 && x < w - 1 ? 0.5f : 1f;
        float gx = xScale * (src[row + right] - src[row + left]);
        float gy = yScale * (src[down + x] - src[up + x]);
        mag[row + x] = VlMath.FastSqrt(gx * gx + gy * gy);
        ang[row + x] = VlMath.GradientAngle(gy, gx);
    }
}
