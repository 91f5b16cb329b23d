using FeatureInversion.Features;
using FeatureInversion.Imaging;
using FeatureInversion.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace FeatureInversion.Analysis.Optimization;

/// <summary>How <see cref="DifferentiableHog"/> gives gradients to orientation bins (see its remarks).</summary>
public enum HogBinning
{
    Exact,
    Soft,
    StraightThrough,
}

/// <summary>
/// HOG as a TorchSharp expression, for optimization-based inversion (Mahendran &amp; Vedaldi, CVPR 2015, who invert
/// HOG through a differentiable re-implementation in the same way). It computes <see cref="HogExtractor"/>'s
/// UoCTTI HOG (VLFeat 0.9.21 <c>vl_hog</c>, 9 orientations, 31 channels) in the same steps: rgb2gray; central
/// differences on pixels 1..W−2, 1..H−2; each gradient's magnitude given to orientation bins; VLFeat's bilinear
/// cell binning (<c>(x + 0.5)/cell − 0.5</c>, as two fixed matrices); per-cell normalisation by the four 2×2
/// blocks with neighbours clamped at the border; truncation at 0.2; the directed, undirected and texture channels.
/// </summary>
/// <remarks>
/// The one step that is not differentiable is the orientation choice: VLFeat gives the whole magnitude to the
/// directed bin j maximising the projection p_j = g · u_j, u_j = (cos jπ/9, sin jπ/9) (<see cref="HogBinning"/>):
/// <list type="bullet">
/// <item><see cref="HogBinning.Exact"/>: VLFeat's choice (one-hot); reproduces <see cref="HogExtractor"/> to float
/// rounding (tested to 1e-4); gradients flow through the magnitudes only. <see cref="Encode"/> always uses it.</item>
/// <item><see cref="HogBinning.Soft"/>: the magnitude spread by a softmax, |g| · softmax_j(τ · p_j / |g|), which
/// tends to the hard choice as the temperature τ grows, except for gradients on a bin boundary: a purely vertical
/// gradient (gx = 0, common in 8-bit images) lies exactly between the 80° and 100° bins, where VLFeat picks one and
/// the softmax splits it in half at any τ (the correlation with the exact features stops rising near 0.98).</item>
/// <item><see cref="HogBinning.StraightThrough"/> (the default): the exact features forward, the softmax's gradient
/// backward (hard + soft − detach(soft)), so optimization descends the true HOG loss; only the orientation part of
/// its gradient is approximated.</item>
/// </list>
/// The 0.2 truncation passes no gradient where it is active, as in the exact function.
/// </remarks>
public sealed class DifferentiableHog : IBatchEncoder
{
    public const double DefaultTemperature = 100;
    private const int Orientations = HogExtractor.Orientations,
        Bins = 2 * Orientations;

    private readonly Device _device;
    private readonly Tensor _ux,
        _uy; // 1 × 18 × 1 × 1: the directed orientation vectors
    private readonly Dictionary<(int Pixels, int Cells), Tensor> _binning = [];
    private static readonly float TextureScale = 1.0f / MathF.Sqrt(18f);

    public DifferentiableHog(
        int cellSize = HogExtractor.DefaultCellSize,
        double temperature = DefaultTemperature,
        Device? device = null,
        HogBinning binning = HogBinning.StraightThrough
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cellSize, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        CellSize = cellSize;
        Temperature = temperature;
        Binning = binning;
        _device = device ?? CPU;
        // The same float cos/sin as HogExtractor (computed in double, rounded to float); bins 9..17 are the negatives.
        var ux = new float[Bins];
        var uy = new float[Bins];
        for (int k = 0; k < Orientations; k++)
        {
            double angle = k * Math.PI / Orientations;
            ux[k] = (float)Math.Cos(angle);
            uy[k] = (float)Math.Sin(angle);
            ux[k + Orientations] = -ux[k];
            uy[k + Orientations] = -uy[k];
        }
        _ux = tensor(ux, [1, Bins, 1, 1]).to(_device).DetachFromDisposeScope();
        _uy = tensor(uy, [1, Bins, 1, 1]).to(_device).DetachFromDisposeScope();
    }

    public int CellSize { get; }
    public double Temperature { get; }

    /// <summary>How gradients are given to orientation bins in <see cref="EncodeWithGradient"/>.</summary>
    public HogBinning Binning { get; }

    public Tensor Encode(Tensor rgb)
    {
        using var _ = no_grad();
        return Features(rgb, HogBinning.Exact);
    }

    public Tensor EncodeWithGradient(Tensor rgb) => Features(rgb, Binning);

    /// <summary>N × 31 × rows × cols from N × 3 × H × W colour images in [0, 1] (square or not).</summary>
    private Tensor Features(Tensor rgb, HogBinning binning)
    {
        int height = (int)rgb.shape[2],
            width = (int)rgb.shape[3];
        if (Math.Min(width, height) < Math.Max(CellSize, 4))
            throw new ArgumentException(
                $"HOG needs images of at least {Math.Max(CellSize, 4)} pixels, got {width}×{height}."
            );
        using var scope = NewDisposeScope();
        var gray = TensorGrayscale.Of(rgb).squeeze(1); // N × H × W
        var gx = gray[.., 1..^1, 2..] - gray[.., 1..^1, ..^2]; // N × (H−2) × (W−2): pixels 1..W−2, 1..H−2
        var gy = gray[.., 2.., 1..^1] - gray[.., ..^2, 1..^1];
        var squared = gx.pow(2) + gy.pow(2);
        // The tiny floor keeps the square root's gradient finite at flat pixels (their magnitude, and so weight, is
        // ~0).
        var magnitude = (squared + 1e-12f).sqrt().unsqueeze(1); // N × 1 × h × w
        var projection = gx.unsqueeze(1) * _ux + gy.unsqueeze(1) * _uy; // N × 18 × h × w
        Tensor assignment;
        if (binning == HogBinning.Exact)
            assignment = HardAssignment(projection).to(rgb.dtype);
        else
        {
            var soft = (projection / magnitude * (float)Temperature).softmax(1);
            assignment =
                binning == HogBinning.Soft ? soft : HardAssignment(projection).to(rgb.dtype) + (soft - soft.detach());
        }
        // VLFeat gives zero gradients no weight (its magnitude is 0 too): the floor above must not add any.
        var weights = assignment * magnitude * (squared > 0).unsqueeze(1).to(rgb.dtype);

        var (ay, axT) = BinningMatrices(height, width);
        var h = ay.matmul(weights).matmul(axT); // N × 18 × rows × cols
        return Normalize(h).MoveToOuterDisposeScope();
    }

    /// <summary>How this encoder's features agree with the exact ones on <paramref name="images"/>: Pearson's r of the
    /// soft-binned features (at this temperature) with <paramref name="exact"/>, and the largest difference of what
    /// <see cref="EncodeWithGradient"/> computes forward (0 up to rounding for the exact and straight-through
    /// binnings).</summary>
    public (double SoftCorrelation, double MaxForwardDifference) Agreement(
        IReadOnlyList<ColorImage> images,
        IReadOnlyList<FeatureMap> exact
    )
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var rgb = tensor(
                images.SelectMany(i => i.Planes).ToArray(),
                [images.Count, 3, images[0].Height, images[0].Width]
            )
            .to(_device);
        var expected = exact.SelectMany(m => m.Data).ToArray();
        var soft = Features(rgb, HogBinning.Soft).cpu().contiguous().data<float>().ToArray();
        var forward = Features(rgb, Binning).cpu().contiguous().data<float>().ToArray();
        double ma = expected.Average(v => (double)v),
            mb = soft.Average(v => (double)v),
            sab = 0,
            saa = 0,
            sbb = 0,
            worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double da = expected[i] - ma,
                db = soft[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
            worst = Math.Max(worst, Math.Abs(expected[i] - forward[i]));
        }
        return (sab / Math.Sqrt(saa * sbb), worst);
    }

    /// <summary>VLFeat's choice as a one-hot N × 18 × h × w: the first k of 0..8 with the largest |p_k| (ties go to the
    /// lower k, as VLFeat's strict comparison in k order), directed bin k + 9 when p_k is negative.</summary>
    private static Tensor HardAssignment(Tensor projection)
    {
        var scores = projection[.., ..Orientations];
        var k = scores.abs().argmax(1, keepdim: true); // torch returns the first maximum
        var negative = scores.gather(1, k) < 0;
        var bin = k + negative.to(k.dtype) * Orientations;
        return nn.functional.one_hot(bin.squeeze(1), Bins).permute(0, 3, 1, 2);
    }

    /// <summary>The UoCTTI normalisation and output channels (see <see cref="HogExtractor"/>'s remarks).</summary>
    private static Tensor Normalize(Tensor h)
    {
        var folded = h[.., ..Orientations] + h[.., Orientations..]; // N × 9 × rows × cols, undirected
        var energy = folded.pow(2).sum(1, keepdim: true); // N × 1 × rows × cols
        // Neighbours clamped at the border = replicate padding; each 2×2 window sum is one block's energy.
        var padded = nn.functional.pad(energy, [1, 1, 1, 1], PaddingModes.Replicate);
        var blocks =
            padded[.., .., ..^1, ..^1]
            + padded[.., .., ..^1, 1..]
            + padded[.., .., 1.., ..^1]
            + padded[.., .., 1.., 1..];
        var factor = (blocks + 1e-4f).rsqrt(); // N × 1 × (rows + 1) × (cols + 1)
        // The four blocks covering a cell: up-left, up-right, down-left, down-right (HogExtractor's f1..f4).
        Tensor[] f =
        [
            factor[.., .., ..^1, ..^1],
            factor[.., .., ..^1, 1..],
            factor[.., .., 1.., ..^1],
            factor[.., .., 1.., 1..],
        ];
        Tensor directed = zeros_like(h),
            undirected = zeros_like(folded);
        var texture = new Tensor[4];
        for (int b = 0; b < 4; b++)
        {
            directed = directed + (f[b] * h).clamp_max(0.2);
            var hc = (f[b] * folded).clamp_max(0.2);
            undirected = undirected + hc;
            texture[b] = hc.sum(1, keepdim: true) * TextureScale;
        }
        return cat([directed * 0.5f, undirected * 0.5f, .. texture], 1);
    }

    /// <summary>Row and column binning matrices for an image size: cells × pixels 1..n−2 with VLFeat's bilinear weights
    /// (<see cref="HogExtractor.SpatialBin"/>), weights falling outside the cell array dropped; kept per
    /// size.</summary>
    private (Tensor Ay, Tensor AxT) BinningMatrices(int height, int width)
    {
        var shape = new HogExtractor(CellSize).OutputShape(width, height);
        return (Matrix(height, shape.Rows), Matrix(width, shape.Cols).t());
    }

    private Tensor Matrix(int pixels, int cells)
    {
        if (_binning.TryGetValue((pixels, cells), out var known))
            return known;
        var m = new float[cells * (pixels - 2)];
        for (int p = 1; p < pixels - 1; p++)
        {
            var (cell, left, right) = HogExtractor.SpatialBin(p, CellSize);
            if (cell >= 0 && cell < cells)
                m[cell * (pixels - 2) + p - 1] += left;
            if (cell + 1 >= 0 && cell + 1 < cells)
                m[(cell + 1) * (pixels - 2) + p - 1] += right;
        }
        return _binning[(pixels, cells)] = tensor(m, [cells, pixels - 2]).to(_device).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        _ux.Dispose();
        _uy.Dispose();
        foreach (var matrix in _binning.Values)
            matrix.Dispose();
        _binning.Clear();
    }
}
