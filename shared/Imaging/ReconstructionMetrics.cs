using System.Numerics;

namespace FeatureInversion.Imaging;

/// <summary>
/// Reconstruction quality measures. Images are flat arrays of the same length (here planar RGB in [0, 1]).
/// </summary>
/// <remarks>
/// The paper's average normalized reconstruction error (Dosovitskiy &amp; Brox, CVPR 2016, §4) is
/// mean_i ‖x_i − f(Φ(x_i))‖₂ / N with N = mean_{i≠j} ‖x_i − x_j‖₂, the mean Euclidean distance between the test
/// images: 0 is perfect, about 1 is no better than showing another test image. PSNR uses peak 1; SSIM is Wang
/// et al. (2004) with an 11×11 Gaussian window (σ 1.5), K1 = 0.01, K2 = 0.03, per channel, averaged.
/// </remarks>
public static class ReconstructionMetrics
{
    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Images differ in length: {a.Length} vs {b.Length}.");
        return Math.Sqrt(AddSquaredDifferences(a, b, 0));
    }

    /// <summary><paramref name="sum"/> plus Σ (a − b)², in index order (float differences, double sum): the one loop
    /// behind <see cref="Distance"/> and <see cref="DistanceToGray"/>, so the two agree bit for bit.</summary>
    private static double AddSquaredDifferences(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double sum)
    {
        for (int i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>N: the mean Euclidean distance over all unordered pairs of distinct images.</summary>
    public static double MeanPairwiseDistance(IReadOnlyList<float[]> images)
    {
        if (images.Count < 2)
            throw new ArgumentException("Need at least two images for the normalisation.");
        double sum = 0;
        long pairs = 0;
        for (int i = 0; i < images.Count; i++)
        {
            for (int j = i + 1; j < images.Count; j++)
            {
                sum += Distance(images[i], images[j]);
                pairs++;
            }
        }
        return sum / pairs;
    }

    /// <summary>
    /// Colour gain: the normalised error of each reconstruction's own rgb2gray image (replicated to three channels)
    /// minus that of the reconstruction. Positive when the predicted colour brings the reconstruction closer to the
    /// colour target than its luminance alone does; zero for gray predictions, negative for wrong colours.
    /// </summary>
    /// <param name="targets"></param>
    /// <param name="reconstructions"></param>
    /// <param name="norm">N of the targets when the caller has it (<see cref="MeanPairwiseDistance"/>, quadratic in
    /// the number of targets); computed when null.</param>
    public static double ColorGain(
        IReadOnlyList<float[]> targets,
        IReadOnlyList<float[]> reconstructions,
        double? norm = null
    )
    {
        double n = norm ?? MeanPairwiseDistance(targets);
        return NormalizedError(targets, reconstructions.Select(GrayAsRgb).ToList(), n)
            - NormalizedError(targets, reconstructions, n);
    }

    /// <summary>
    /// What the true colour would add to these reconstructions: the <see cref="ColorGain"/> each would have with its
    /// own luminance and the target's chroma exactly. The error is one Euclidean norm over luminance and chroma, so
    /// where the luminance error is large even perfect colour gains little: the colour gain is read against this
    /// figure. (Not a strict bound: rgb2gray's weights are no orthogonal projection, so a chroma slightly off the
    /// target's can score a little better.)
    /// </summary>
    public static double TrueChromaGain(
        IReadOnlyList<float[]> targets,
        IReadOnlyList<float[]> reconstructions,
        double? norm = null
    ) => ChromaGain(targets, reconstructions, targets, norm);

    /// <summary>
    /// The colour gain of the reconstructions' luminance with another image's chroma (its planes minus its rgb2gray
    /// image) added: with the targets, <see cref="TrueChromaGain"/>; with the mean training image for every crop,
    /// what the colour of an average photo at each position gives (the colour's trivial baseline). <paramref
    /// name="norm"/> as in <see cref="ColorGain"/>.
    /// </summary>
    public static double ChromaGain(
        IReadOnlyList<float[]> targets,
        IReadOnlyList<float[]> reconstructions,
        IReadOnlyList<float[]> chromaSources,
        double? norm = null
    )
    {
        if (targets.Count != reconstructions.Count || targets.Count != chromaSources.Count)
            throw new ArgumentException("One reconstruction and one chroma source per target are needed.");
        var gray = reconstructions.Select(GrayAsRgb).ToList();
        var withChroma = new List<float[]>(targets.Count);
        for (int i = 0; i < targets.Count; i++)
        {
            var source = chromaSources[i];
            var sourceGray = GrayAsRgb(source);
            var image = new float[source.Length];
            for (int j = 0; j < image.Length; j++)
                image[j] = gray[i][j] + (source[j] - sourceGray[j]);
            withChroma.Add(image);
        }
        double n = norm ?? MeanPairwiseDistance(targets);
        return NormalizedError(targets, gray, n) - NormalizedError(targets, withChroma, n);
    }

    /// <summary><see cref="Distance"/>(<paramref name="target"/>, <see cref="GrayAsRgb"/>(<paramref name="rgb"/>)),
    /// the same sum in the same order, without the three-plane copy (the gray is made a block at a time, blocks a
    /// multiple of the vector width, so every value is the one <see cref="GrayAsRgb"/> makes).</summary>
    public static double DistanceToGray(ReadOnlySpan<float> target, ReadOnlySpan<float> rgb)
    {
        if (target.Length != rgb.Length)
            throw new ArgumentException($"Images differ in length: {target.Length} vs {rgb.Length}.");
        int plane = rgb.Length / 3;
        Span<float> gray = stackalloc float[1024];
        double sum = 0;
        for (int c = 0; c < 3; c++)
        {
            var t = target.Slice(c * plane, plane);
            for (int start = 0; start < plane; start += gray.Length)
            {
                int n = Math.Min(gray.Length, plane - start);
                var block = gray[..n];
                Grayscale.Fill(
                    rgb.Slice(start, n),
                    rgb.Slice(plane + start, n),
                    rgb.Slice(2 * plane + start, n),
                    block
                );
                sum = AddSquaredDifferences(t.Slice(start, n), block, sum);
            }
        }
        return Math.Sqrt(sum);
    }

    /// <summary>The rgb2gray image of planar RGB, replicated into three planes.</summary>
    public static float[] GrayAsRgb(float[] rgb)
    {
        int plane = rgb.Length / 3;
        var gray = new float[rgb.Length];
        var span = rgb.AsSpan();
        Grayscale.Fill(span[..plane], span.Slice(plane, plane), span.Slice(2 * plane, plane), gray.AsSpan(0, plane));
        gray.AsSpan(0, plane).CopyTo(gray.AsSpan(plane, plane));
        gray.AsSpan(0, plane).CopyTo(gray.AsSpan(2 * plane, plane));
        return gray;
    }

    /// <summary>The paper's average normalised reconstruction error of <paramref name="reconstructions"/>; <paramref
    /// name="norm"/> as in <see cref="ColorGain"/>.</summary>
    public static double NormalizedError(
        IReadOnlyList<float[]> targets,
        IReadOnlyList<float[]> reconstructions,
        double? norm = null
    )
    {
        if (targets.Count != reconstructions.Count)
            throw new ArgumentException("One reconstruction per target is needed.");
        double mean = targets.Zip(reconstructions).Average(p => Distance(p.First, p.Second));
        return mean / (norm ?? MeanPairwiseDistance(targets));
    }

    public static double Psnr(ReadOnlySpan<float> target, ReadOnlySpan<float> reconstruction)
    {
        double d = Distance(target, reconstruction);
        double mse = d * d / target.Length;
        // capped at 100 dB: identical images have no finite PSNR, and no JSON holds ∞
        return 10 * Math.Log10(1.0 / Math.Max(mse, 1e-10));
    }

    /// <summary>Mean SSIM over the channels of planar images (channels × size × size).</summary>
    public static double Ssim(ReadOnlySpan<float> target, ReadOnlySpan<float> reconstruction, int size) =>
        Ssim(target, reconstruction, size, size);

    /// <summary>Mean SSIM over the channels of planar images (channels × height × width).</summary>
    public static double Ssim(ReadOnlySpan<float> target, ReadOnlySpan<float> reconstruction, int width, int height)
    {
        int plane = width * height;
        if (target.Length % plane != 0 || target.Length != reconstruction.Length)
            throw new ArgumentException("Images must be channels × height × width.");
        int channels = target.Length / plane;
        double total = 0;
        for (int c = 0; c < channels; c++)
            total += SsimPlane(target.Slice(c * plane, plane), reconstruction.Slice(c * plane, plane), width, height);
        return total / channels;
    }

    private static readonly double[] Window = GaussianWindow(11, 1.5);

    /// <summary>
    /// Mean SSIM of one plane over the 'valid' 11 × 11 Gaussian windows (σ 1.5), as the reference implementation; an
    /// image smaller than the window uses one window over what there is. The window is separable, so the five local
    /// sums (x, y, x², y², xy) are filtered along rows first and then along columns: 22 multiply-adds per sum and
    /// pixel instead of 121, the same sums in another order.
    /// </summary>
    private static double SsimPlane(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int width, int height)
    {
        const double c1 = 0.01 * 0.01,
            c2 = 0.03 * 0.03;
        int radius = Window.Length / 2;
        int startY = Math.Min(radius, height / 2),
            endY = Math.Max(height - radius, startY + 1);
        int startX = Math.Min(radius, width / 2),
            endX = Math.Max(width - radius, startX + 1);
        int columns = endX - startX;
        int firstRow = Math.Max(0, startY - radius),
            lastRow = Math.Min(height - 1, endY - 1 + radius);
        int rows = lastRow - firstRow + 1;
        // Per needed row and window centre: the row-filtered sums, in five planes (x, y, x², y², xy); and each
        // centre's weight sum. Where the window lies inside the row (every centre of an image at least 11 wide),
        // four centres are filtered at once, each lane summing its taps in the same order as the scalar loop.
        int cells = rows * columns;
        var pool = System.Buffers.ArrayPool<double>.Shared;
        double[] filtered = pool.Rent(5 * cells);
        double[] rowWeight = pool.Rent(columns);
        double[] xd = pool.Rent(width),
            yd = pool.Rent(width),
            scores = pool.Rent(columns);
        try
        {
            for (int c = 0; c < columns; c++)
            {
                double w = 0;
                for (int dx = -radius; dx <= radius; dx++)
                    if ((uint)(startX + c + dx) < (uint)width)
                        w += Window[dx + radius];
                rowWeight[c] = w;
            }
            bool inside = startX >= radius && endX - 1 + radius < width;
            int lanes = Vector<double>.Count;
            for (int r = 0; r < rows; r++)
            {
                var xr = x.Slice((firstRow + r) * width, width);
                var yr = y.Slice((firstRow + r) * width, width);
                for (int i = 0; i < width; i++)
                {
                    xd[i] = xr[i];
                    yd[i] = yr[i];
                }
                int c = 0;
                if (inside)
                {
                    for (; c + lanes <= columns; c += lanes)
                    {
                        Vector<double> sx = Vector<double>.Zero,
                            sy = sx,
                            sxx = sx,
                            syy = sx,
                            sxy = sx;
                        int left = startX + c - radius;
                        for (int j = 0; j < Window.Length; j++)
                        {
                            var w = new Vector<double>(Window[j]);
                            var a = new Vector<double>(xd, left + j);
                            var b = new Vector<double>(yd, left + j);
                            sx += w * a;
                            sy += w * b;
                            sxx += w * a * a;
                            syy += w * b * b;
                            sxy += w * a * b;
                        }
                        int at = r * columns + c;
                        sx.CopyTo(filtered, at);
                        sy.CopyTo(filtered, cells + at);
                        sxx.CopyTo(filtered, 2 * cells + at);
                        syy.CopyTo(filtered, 3 * cells + at);
                        sxy.CopyTo(filtered, 4 * cells + at);
                    }
                }
                for (; c < columns; c++)
                {
                    double sx = 0,
                        sy = 0,
                        sxx = 0,
                        syy = 0,
                        sxy = 0;
                    int cx = startX + c;
                    for (int dx = -radius; dx <= radius; dx++)
                    {
                        int px = cx + dx;
                        if ((uint)px >= (uint)width)
                            continue;
                        double w = Window[dx + radius];
                        double a = xd[px],
                            b = yd[px];
                        sx += w * a;
                        sy += w * b;
                        sxx += w * a * a;
                        syy += w * b * b;
                        sxy += w * a * b;
                    }
                    int at = r * columns + c;
                    filtered[at] = sx;
                    filtered[cells + at] = sy;
                    filtered[2 * cells + at] = sxx;
                    filtered[3 * cells + at] = syy;
                    filtered[4 * cells + at] = sxy;
                }
            }

            // Along columns, every centre of a row at once; the scores are then summed one by one in the order
            // of the scalar loops, so the mean is the same number whatever the vector width.
            double sum = 0;
            int count = 0;
            for (int cy = startY; cy < endY; cy++)
            {
                double wv = 0;
                for (int dy = -radius; dy <= radius; dy++)
                    if ((uint)(cy + dy) < (uint)height)
                        wv += Window[dy + radius];
                int c = 0;
                for (; c + lanes <= columns; c += lanes)
                {
                    Vector<double> mx = Vector<double>.Zero,
                        my = mx,
                        xx = mx,
                        yy = mx,
                        xy = mx;
                    for (int dy = -radius; dy <= radius; dy++)
                    {
                        int py = cy + dy;
                        if ((uint)py >= (uint)height)
                            continue;
                        var w = new Vector<double>(Window[dy + radius]);
                        int at = (py - firstRow) * columns + c;
                        mx += w * new Vector<double>(filtered, at);
                        my += w * new Vector<double>(filtered, cells + at);
                        xx += w * new Vector<double>(filtered, 2 * cells + at);
                        yy += w * new Vector<double>(filtered, 3 * cells + at);
                        xy += w * new Vector<double>(filtered, 4 * cells + at);
                    }
                    var wsum = new Vector<double>(wv) * new Vector<double>(rowWeight, c);
                    mx /= wsum;
                    my /= wsum;
                    var vx = xx / wsum - mx * mx;
                    var vy = yy / wsum - my * my;
                    var cov = xy / wsum - mx * my;
                    var two = new Vector<double>(2);
                    var k1 = new Vector<double>(c1);
                    var k2 = new Vector<double>(c2);
                    ((two * mx * my + k1) * (two * cov + k2) / ((mx * mx + my * my + k1) * (vx + vy + k2))).CopyTo(
                        scores,
                        c
                    );
                }
                for (; c < columns; c++)
                {
                    double mx = 0,
                        my = 0,
                        xx = 0,
                        yy = 0,
                        xy = 0;
                    for (int dy = -radius; dy <= radius; dy++)
                    {
                        int py = cy + dy;
                        if ((uint)py >= (uint)height)
                            continue;
                        double w = Window[dy + radius];
                        int at = (py - firstRow) * columns + c;
                        mx += w * filtered[at];
                        my += w * filtered[cells + at];
                        xx += w * filtered[2 * cells + at];
                        yy += w * filtered[3 * cells + at];
                        xy += w * filtered[4 * cells + at];
                    }
                    double wsum = wv * rowWeight[c];
                    mx /= wsum;
                    my /= wsum;
                    double vx = xx / wsum - mx * mx,
                        vy = yy / wsum - my * my,
                        cov = xy / wsum - mx * my;
                    scores[c] = (2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                }
                for (c = 0; c < columns; c++)
                {
                    sum += scores[c];
                    count++;
                }
            }
            return sum / count;
        }
        finally
        {
            pool.Return(filtered);
            pool.Return(rowWeight);
            pool.Return(xd);
            pool.Return(yd);
            pool.Return(scores);
        }
    }

    private static double[] GaussianWindow(int length, double sigma)
    {
        var w = new double[length];
        int r = length / 2;
        for (int i = 0; i < length; i++)
            w[i] = Math.Exp(-(i - r) * (i - r) / (2 * sigma * sigma));
        double s = w.Sum();
        for (int i = 0; i < length; i++)
            w[i] /= s;
        return w;
    }
}
