using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FeatureInversion.Imaging.Integrity;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace FeatureInversion.Imaging.Jpeg;

/// <summary>
/// DCT coefficients to 8-bit RGB, the way ImageSharp 2.1.13 does it on an AVX2 CPU, operation for operation, so the
/// bytes are ImageSharp's own (tested on every fixture against <c>Image.Load</c>): dequantisation by the table
/// pre-scaled for Arai, Agui and Nakajima's float IDCT (FastFloatingPointDCT.AdjustToIDCT), that IDCT's AVX path
/// (FMA where the CPU has it), level shift by 128, clamp to [0, 255] and round half to even (Block8x8F), chroma
/// repeated over its subsampling (Block8x8F.ScaledCopyTo: no interpolation), then JFIF YCbCr to RGB with FMA and
/// round half to even (JpegColorConverter FromYCbCrAvx). One MCU row at a time: the components' pixels for that
/// row, then its RGB rows; nothing at full resolution but the coefficients and the image.
/// </summary>
internal static class JpegPixels
{
    /// <summary>The CPUs whose arithmetic here is ImageSharp's (its other paths round otherwise).</summary>
    public static bool Supported => Avx2.IsSupported;

    /// <summary>FastFloatingPointDCT.AdjustmentCoefficients: scalefactor[row] × scalefactor[col], scalefactor[0] = 1,
    /// scalefactor[k] = cos(kπ/16)·√2.</summary>
    // csharpier-ignore
    private static ReadOnlySpan<float> Adjustment =>
        [
            1f, 1.3870399f, 1.306563f, 1.1758755f, 1f, 0.78569496f, 0.5411961f, 0.27589938f,
            1.3870399f, 1.9238797f, 1.812255f, 1.6309863f, 1.3870399f, 1.0897902f, 0.7506606f, 0.38268346f,
            1.306563f, 1.812255f, 1.707107f, 1.5363555f, 1.306563f, 1.02656f, 0.7071068f, 0.36047992f,
            1.1758755f, 1.6309863f, 1.5363555f, 1.3826833f, 1.1758755f, 0.9238795f, 0.63637924f, 0.32442334f,
            1f, 1.3870399f, 1.306563f, 1.1758755f, 1f, 0.78569496f, 0.5411961f, 0.27589938f,
            0.78569496f, 1.0897902f, 1.02656f, 0.9238795f, 0.78569496f, 0.61731654f, 0.42521507f, 0.21677275f,
            0.5411961f, 0.7506606f, 0.7071068f, 0.63637924f, 0.5411961f, 0.42521507f, 0.29289323f, 0.14931567f,
            0.27589938f, 0.38268346f, 0.36047992f, 0.32442334f, 0.27589938f, 0.21677275f, 0.14931567f, 0.076120466f,
        ];

    /// <summary>A whole frame's coefficients (progressive, or several scans) to pixels.</summary>
    public static Image<Rgb24> ToImage(JpegCoefficients frame, Configuration configuration)
    {
        using var writer = new Writer(frame, configuration);
        int mcusHigh = frame.Components[0].GridHigh / frame.Components[0].V;
        for (int my = 0; my < mcusHigh; my++)
            writer.McuRow(my, my);
        return writer.Detach();
    }

    /// <summary>
    /// Writes MCU rows into the image as their coefficients become available: all of them from a whole frame
    /// (<see cref="ToImage"/>), or one at a time from a single sequential scan that keeps only the current MCU row's
    /// coefficients (as ImageSharp's baseline decode streams them), which keeps the photo's coefficients out of
    /// memory and the row's values in cache between the entropy decode and the IDCT.
    /// </summary>
    internal sealed class Writer : IDisposable
    {
        private readonly JpegCoefficients _frame;
        private readonly byte[][] _bands,
            _rows;
        private readonly float[][] _tables;
        private Image<Rgb24>? _image;

        public Writer(JpegCoefficients frame, Configuration configuration)
        {
            if (!Supported)
                throw new PlatformNotSupportedException("The JPEG pixel stage needs AVX2.");
            _frame = frame;
            var planes = frame.Components;
            _bands = new byte[planes.Length][];
            _rows = new byte[planes.Length][];
            _tables = new float[planes.Length][];
            int paddedWidth = (frame.Width + 7) & ~7;
            for (int i = 0; i < planes.Length; i++)
            {
                _bands[i] = new byte[planes[i].GridWide * 8 * planes[i].V * 8];
                _rows[i] = new byte[paddedWidth + 8];
                _tables[i] = QuantForIdct(planes[i].Quant);
            }
            _image = new Image<Rgb24>(configuration, frame.Width, frame.Height);
        }

        /// <summary>MCU row <paramref name="mcuRow"/> of the image, from MCU row <paramref name="gridRow"/> of the
        /// coefficient planes.</summary>
        public void McuRow(int mcuRow, int gridRow)
        {
            var planes = _frame.Components;
            for (int i = 0; i < planes.Length; i++)
                BandPixels(planes[i], _tables[i], gridRow, _bands[i]);
            int y0 = mcuRow * _frame.VMax * 8,
                y1 = Math.Min(y0 + _frame.VMax * 8, _frame.Height);
            for (int y = y0; y < y1; y++)
            {
                for (int i = 0; i < planes.Length; i++)
                    SampleRow(planes[i], _frame, _bands[i], y - y0, _rows[i]);
                var pixels = MemoryMarshal.AsBytes(_image!.DangerousGetPixelRowMemory(y).Span);
                ToRgb(_frame.Space, _rows, pixels, _frame.Width);
            }
        }

        /// <summary>The image, now the caller's to dispose.</summary>
        public Image<Rgb24> Detach()
        {
            var image = _image ?? throw new InvalidOperationException("The image was already taken.");
            _image = null;
            return image;
        }

        public void Dispose() => _image?.Dispose();
    }

    /// <summary>AdjustToIDCT: 0.125 × q × adjustment, in natural order, then transposed (as the coefficients
    /// are).</summary>
    private static float[] QuantForIdct(ushort[] natural)
    {
        var table = new float[64];
        for (int i = 0; i < 64; i++)
        {
            float value = 0.125f * natural[i] * Adjustment[i];
            table[i % 8 * 8 + i / 8] = value;
        }
        return table;
    }

    /// <summary>The pixels of one MCU row of a component: its V block rows, each block through the IDCT.</summary>
    private static unsafe void BandPixels(JpegCoefficients.Plane plane, float[] quant, int mcuRow, byte[] band)
    {
        int stride = plane.GridWide * 8;
        fixed (short* coefficients = plane.Coefficients)
        fixed (float* q = quant)
        fixed (byte* destination = band)
            for (int by = 0; by < plane.V; by++)
            {
                long blockRow = (long)mcuRow * plane.V + by;
                for (int bx = 0; bx < plane.GridWide; bx++)
                    Idct(
                        coefficients + (blockRow * plane.GridWide + bx) * 64,
                        q,
                        destination + by * 8 * stride + bx * 8,
                        stride
                    );
            }
    }

    /// <summary>Row <paramref name="row"/> of the MCU row in the frame's pixels: the component's samples repeated
    /// over its subsampling (ScaledCopyTo).</summary>
    private static void SampleRow(JpegCoefficients.Plane plane, JpegCoefficients frame, byte[] band, int row, byte[] to)
    {
        int stride = plane.GridWide * 8,
            across = frame.HMax / plane.H,
            down = frame.VMax / plane.V;
        var source = band.AsSpan(row / down * stride);
        int width = frame.Width;
        if (across == 1)
        {
            source[..Math.Min(stride, to.Length)].CopyTo(to);
            return;
        }
        if (across == 2)
        {
            int x = 0,
                s = 0;
            for (; x + 16 <= to.Length && s + 8 <= source.Length && x < width; x += 16, s += 8)
            {
                var eight = Vector128.CreateScalarUnsafe(MemoryMarshal.Read<ulong>(source[s..])).AsByte();
                Sse2.UnpackLow(eight, eight).CopyTo(to.AsSpan(x)); // each byte twice
            }
            for (; x < width; x += 2, s++)
                to[x] = to[x + 1] = source[s];
            return;
        }
        for (int x = 0; x < width; x++)
            to[x] = source[x / across];
    }

    /// <summary>One row to RGB bytes: JpegColorConverter's AVX conversions (YCbCr with FMA where the CPU has it,
    /// round half to even; gray and RGB taken as they are), then saturated to bytes.</summary>
    private static unsafe void ToRgb(JpegColourSpace space, byte[][] rows, Span<byte> pixels, int width)
    {
        fixed (byte* output = pixels)
        {
            if (space == JpegColourSpace.Gray)
            {
                var gray = rows[0];
                for (int x = 0; x < width; x++)
                    output[3 * x] = output[3 * x + 1] = output[3 * x + 2] = gray[x];
                return;
            }
            if (space == JpegColourSpace.Rgb)
            {
                for (int x = 0; x < width; x++)
                    (output[3 * x], output[3 * x + 1], output[3 * x + 2]) = (rows[0][x], rows[1][x], rows[2][x]);
                return;
            }
            var half = Vector256.Create(-128f);
            var rCr = Vector256.Create(1.402f);
            var gCb = Vector256.Create(-0.3441363f);
            var gCr = Vector256.Create(-0.7141363f);
            var bCb = Vector256.Create(1.772f);
            byte* r = stackalloc byte[32],
                g = r + 8,
                b = r + 16;
            fixed (byte* luma = rows[0])
            fixed (byte* blue = rows[1])
            fixed (byte* red = rows[2])
                for (int x = 0; x < width; x += 8)
                {
                    var y = Floats(luma + x);
                    var cb = Avx.Add(Floats(blue + x), half);
                    var cr = Avx.Add(Floats(red + x), half);
                    Bytes(Avx.RoundToNearestInteger(MultiplyAdd(y, cr, rCr)), r);
                    Bytes(Avx.RoundToNearestInteger(MultiplyAdd(MultiplyAdd(y, cb, gCb), cr, gCr)), g);
                    Bytes(Avx.RoundToNearestInteger(MultiplyAdd(y, cb, bCb)), b);
                    int n = Math.Min(8, width - x);
                    byte* o = output + 3 * x;
                    if (n == 8 && x + 16 <= width)
                        Interleave(r, o); // 24 bytes written as 16 + 16: the next pixels' 8 are rewritten after
                    else
                        for (int k = 0; k < n; k++)
                            (o[3 * k], o[3 * k + 1], o[3 * k + 2]) = (r[k], g[k], b[k]);
                }
        }
    }

    /// <summary>R, G, B (8 bytes each, consecutive from <paramref name="rgb"/>) to 8 packed pixels; writes 32
    /// bytes, of which the last 8 are the next pixels' to overwrite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Interleave(byte* rgb, byte* output)
    {
        var rg = Sse2.LoadVector128(rgb); // r0..r7 g0..g7
        var bx = Sse2.LoadVector128(rgb + 16); // b0..b7, then unused
        var low = Sse2.Or(
            Ssse3.Shuffle(rg, Vector128.Create((byte)0, 8, 0x80, 1, 9, 0x80, 2, 10, 0x80, 3, 11, 0x80, 4, 12, 0x80, 5)),
            Ssse3.Shuffle(
                bx,
                Vector128.Create((byte)0x80, 0x80, 0, 0x80, 0x80, 1, 0x80, 0x80, 2, 0x80, 0x80, 3, 0x80, 0x80, 4, 0x80)
            )
        );
        var high = Sse2.Or(
            Ssse3.Shuffle(
                rg,
                Vector128.Create(
                    (byte)13,
                    0x80,
                    6,
                    14,
                    0x80,
                    7,
                    15,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80
                )
            ),
            Ssse3.Shuffle(
                bx,
                Vector128.Create(
                    (byte)0x80,
                    5,
                    0x80,
                    0x80,
                    6,
                    0x80,
                    0x80,
                    7,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80,
                    0x80
                )
            )
        );
        Sse2.Store(output, low);
        Sse2.Store(output + 16, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Floats(byte* source) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(source));

    /// <summary>Eight whole floats to bytes, saturated to [0, 255] (what ImageSharp's float-to-byte step gives for
    /// whole values k / 255).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Bytes(Vector256<float> values, byte* destination)
    {
        var ints = Avx.ConvertToVector256Int32(values);
        var shorts = Sse2.PackSignedSaturate(ints.GetLower(), ints.GetUpper());
        var bytes = Sse2.PackUnsignedSaturate(shorts, shorts);
        *(ulong*)destination = bytes.AsUInt64().ToScalar();
    }

    /// <summary>SimdUtils.HwIntrinsics.MultiplyAdd: <paramref name="add"/> + <paramref name="a"/> ×
    /// <paramref name="b"/>, fused where the CPU can.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> add, Vector256<float> a, Vector256<float> b) =>
        Fma.IsSupported ? Fma.MultiplyAdd(b, a, add) : Avx.Add(Avx.Multiply(a, b), add);

    /// <summary>SimdUtils.HwIntrinsics.MultiplySubstract: <paramref name="a"/> × <paramref name="b"/> −
    /// <paramref name="subtract"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplySubtract(
        Vector256<float> subtract,
        Vector256<float> a,
        Vector256<float> b
    ) => Fma.IsSupported ? Fma.MultiplySubtract(b, a, subtract) : Avx.Subtract(Avx.Multiply(a, b), subtract);

    /// <summary>One block: load and dequantise (transposed), FastFloatingPointDCT.IDCT8x8_Avx (a 1-D pass, a
    /// transpose, a 1-D pass), level shift, clamp and round, eight rows of eight bytes.</summary>
    private static unsafe void Idct(short* coefficients, float* quant, byte* destination, int stride)
    {
        if (OnlyDc(coefficients))
        {
            // Every operation of both passes then adds or subtracts zeros to the dequantised DC (or multiplies
            // zeros): all 64 outputs are exactly that value, as the full transform computes them.
            var value = Vector256.Create(coefficients[0] * quant[0]);
            Store(value, destination);
            ulong row = *(ulong*)destination;
            for (int y = 1; y < 8; y++)
                *(ulong*)(destination + y * stride) = row;
            return;
        }
        Vector256<float> v0 = Row(coefficients, quant, 0),
            v1 = Row(coefficients, quant, 1),
            v2 = Row(coefficients, quant, 2),
            v3 = Row(coefficients, quant, 3),
            v4 = Row(coefficients, quant, 4),
            v5 = Row(coefficients, quant, 5),
            v6 = Row(coefficients, quant, 6),
            v7 = Row(coefficients, quant, 7);
        Pass(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Transpose(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Pass(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Store(v0, destination);
        Store(v1, destination + stride);
        Store(v2, destination + 2 * stride);
        Store(v3, destination + 3 * stride);
        Store(v4, destination + 4 * stride);
        Store(v5, destination + 5 * stride);
        Store(v6, destination + 6 * stride);
        Store(v7, destination + 7 * stride);
    }

    /// <summary>Whether coefficients 1 … 63 are all zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool OnlyDc(short* coefficients)
    {
        var first = Avx2.And(Avx.LoadVector256(coefficients).AsInt64(), Vector256.Create(~0xFFFFL, -1, -1, -1));
        var any = Avx2.Or(
            Avx2.Or(first, Avx.LoadVector256(coefficients + 16).AsInt64()),
            Avx2.Or(Avx.LoadVector256(coefficients + 32).AsInt64(), Avx.LoadVector256(coefficients + 48).AsInt64())
        );
        return Avx.TestZ(any, any);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Row(short* coefficients, float* quant, int row) =>
        Avx.Multiply(
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(coefficients + 8 * row)),
            Avx.LoadVector256(quant + 8 * row)
        );

    /// <summary>Block8x8F.NormalizeColorsAndRoundInPlace(255): + 128, max 0, min 255, round half to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(Vector256<float> row, byte* destination)
    {
        row = Avx.Add(row, Vector256.Create(128f));
        row = Avx.Max(row, Vector256<float>.Zero);
        row = Avx.Min(row, Vector256.Create(255f));
        Bytes(Avx.RoundToNearestInteger(row), destination);
    }

    /// <summary>IDCT8x8_1D_Avx, its operations in its order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pass(
        ref Vector256<float> b0,
        ref Vector256<float> b1,
        ref Vector256<float> b2,
        ref Vector256<float> b3,
        ref Vector256<float> b4,
        ref Vector256<float> b5,
        ref Vector256<float> b6,
        ref Vector256<float> b7
    )
    {
        var f14142 = Vector256.Create(1.4142135f);
        var v = b0;
        var v2 = b2;
        var v3 = b4;
        var v4 = b6;
        var left = v;
        var left2 = Avx.Add(left, v3);
        var left3 = Avx.Subtract(left, v3);
        var vs = Avx.Add(v2, v4);
        var right = MultiplySubtract(vs, Avx.Subtract(v2, v4), f14142);
        v = Avx.Add(left2, vs);
        v4 = Avx.Subtract(left2, vs);
        v2 = Avx.Add(left3, right);
        v3 = Avx.Subtract(left3, right);
        var v5 = b1;
        var v6 = b3;
        var v7 = b5;
        var v8 = b7;
        var right2 = Avx.Add(v7, v6);
        var vm = Avx.Subtract(v7, v6);
        var left4 = Avx.Add(v5, v8);
        var vm2 = Avx.Subtract(v5, v8);
        v8 = Avx.Add(left4, right2);
        left3 = Avx.Multiply(Avx.Subtract(left4, right2), f14142);
        left = Avx.Multiply(Avx.Add(vm, vm2), Vector256.Create(1.847759f));
        var left5 = MultiplyAdd(left, vm2, Vector256.Create(-1.0823922f));
        right = MultiplyAdd(left, vm, Vector256.Create(-2.613126f));
        v7 = Avx.Subtract(right, v8);
        v6 = Avx.Subtract(left3, v7);
        v5 = Avx.Subtract(left5, v6);
        b0 = Avx.Add(v, v8);
        b7 = Avx.Subtract(v, v8);
        b1 = Avx.Add(v2, v7);
        b6 = Avx.Subtract(v2, v7);
        b2 = Avx.Add(v3, v6);
        b5 = Avx.Subtract(v3, v6);
        b3 = Avx.Add(v4, v5);
        b4 = Avx.Subtract(v4, v5);
    }

    /// <summary>8 × 8 floats transposed in registers (exact: data movement only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(
        ref Vector256<float> r0,
        ref Vector256<float> r1,
        ref Vector256<float> r2,
        ref Vector256<float> r3,
        ref Vector256<float> r4,
        ref Vector256<float> r5,
        ref Vector256<float> r6,
        ref Vector256<float> r7
    )
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
