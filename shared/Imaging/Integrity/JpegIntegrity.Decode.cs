using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// The completeness walk that also keeps what it reads: one pass over a JPEG's entropy-coded data both checks it
/// (the same verdicts and messages as <see cref="JpegIntegrity.Problem"/>: the bits are consumed by the same code
/// paths, steered by the same non-zero bitmaps) and decodes its DCT coefficients, which
/// JpegPixels (FeatureInversion.Imaging.Jpeg) turns into pixels. The coefficients are those ImageSharp 2.1.13's
/// HuffmanScanDecoder keeps (its transposed zig-zag order, its 16-bit wrap, its DC prediction kept across scans and
/// reset at restarts), so that the pixels can be ImageSharp's own. Where ImageSharp would read a file differently
/// (a table it builds otherwise, a run past its band, a coefficient beyond 16 bits, a colour space or sampling it
/// treats apart, a table redefined between scans), the decode says so and the caller decodes with ImageSharp.
/// </summary>
public static partial class JpegIntegrity
{
    /// <summary>The check and the coefficients from one pass: a problem (the file is refused), or the coefficients,
    /// or neither (complete, but to be decoded by ImageSharp, with the reason).</summary>
    /// <remarks>With <paramref name="stream"/>, a frame of one sequential scan holding every component (a baseline
    /// photo) keeps one MCU row of coefficients at a time: <paramref name="stream"/> is given that row's planes once
    /// and returns what to call after each MCU row is read (the row's index); the planes are cleared after it.
    /// </remarks>
    internal static (JpegCoefficients? Coefficients, string? Problem, string? NotDecoded) Decode(
        ReadOnlySpan<byte> bytes,
        Func<JpegCoefficients, Action<int>>? stream = null
    )
    {
        if (!IsJpeg(bytes))
            return (null, null, "not a JPEG");
        var state = new Parser(decode: true) { Stream = stream };
        string? problem = "not walked";
        try
        {
            problem = state.Run(bytes);
        }
        catch (CorruptJpeg e)
        {
            problem = e.Message;
        }
        finally
        {
            if (problem is not null)
                state.ReturnCoefficients();
        }
        if (problem is not null)
            return (null, problem, null);
        var result = state.Result();
        if (result.Item1 is null)
            state.ReturnCoefficients();
        return result;
    }

    /// <summary>Natural (row-major) index of each zig-zag position (T.81 figure A.6).</summary>
    // csharpier-ignore
    private static ReadOnlySpan<byte> Natural =>
        [
            0, 1, 8, 16, 9, 2, 3, 10,
            17, 24, 32, 25, 18, 11, 4, 5,
            12, 19, 26, 33, 40, 48, 41, 34,
            27, 20, 13, 6, 7, 14, 21, 28,
            35, 42, 49, 56, 57, 50, 43, 36,
            29, 22, 15, 23, 30, 37, 44, 51,
            58, 59, 52, 45, 38, 31, 39, 46,
            53, 60, 61, 54, 47, 55, 62, 63,
        ];

    /// <summary>Where ImageSharp keeps zig-zag position k: the transposed natural index, and 63 for the positions
    /// 64 … 79 a run can overshoot to (its table's padding).</summary>
    private static readonly byte[] Stored = StoredOrder();

    private static byte[] StoredOrder()
    {
        var order = new byte[80];
        for (int k = 0; k < 80; k++)
            order[k] = k < 64 ? (byte)(Natural[k] % 8 * 8 + Natural[k] / 8) : (byte)63;
        return order;
    }

    private sealed partial class Parser(bool decode)
    {
        private bool _decoding = decode,
            _scanning,
            _app0;
        private string? _notDecoded;
        private readonly ushort[]?[] _quant = new ushort[4][];
        private byte[] _adobe = new byte[12]; // ImageSharp's AdobeMarker; all zero reads as absent
        private JpegColourSpace _space;

        /// <summary>Set for a streamed decode (see <see cref="Decode"/>).</summary>
        public Func<JpegCoefficients, Action<int>>? Stream;
        private JpegCoefficients? _rowFrame;
        private Action<int>? _rowDone;

        /// <summary>Whether the coefficients kept are one MCU row's (indices from the row's top).</summary>
        private bool Streaming => _rowDone is not null;

        /// <summary>After MCU row <paramref name="mcuRow"/> of a streamed scan: the row to its consumer, the planes
        /// cleared for the next.</summary>
        private void McuRowDone(long mcuRow)
        {
            _rowDone!((int)mcuRow);
            foreach (var plane in _rowFrame!.Components)
                Array.Clear(plane.Coefficients, 0, plane.GridWide * plane.GridHigh * 64);
        }

        /// <summary>Pixels will come from ImageSharp: before the first scan the walk alone goes on; after it the
        /// coefficients are still read (the walk's paths) and dropped at the end.</summary>
        private void NotDecoded(string reason)
        {
            _notDecoded ??= reason;
            if (!_scanning)
                _decoding = false;
        }

        /// <summary>The coefficient buffers back to their pool when no <see cref="JpegCoefficients"/> takes
        /// them.</summary>
        public void ReturnCoefficients()
        {
            foreach (var c in _components)
            {
                if (c.Coefficients is { } buffer)
                    JpegCoefficients.Return(buffer);
                c.Coefficients = null;
            }
        }

        public (JpegCoefficients?, string?, string?) Result()
        {
            if (_notDecoded is not null || !_decoding || !_frame)
                return (null, null, _notDecoded ?? "no frame");
            if (_rowFrame is not null)
                return (_rowFrame, null, null);
            return (Coefficients(c => c.GridHigh), null, null);
        }

        /// <summary>The components' coefficient buffers as planes of <paramref name="blockRows"/> block rows
        /// each (the whole grid, or one MCU row when streamed), with their quantisation tables.</summary>
        private JpegCoefficients Coefficients(Func<Component, int> blockRows) =>
            new(
                _width,
                _height,
                _hMax,
                _vMax,
                _space,
                [
                    .. _components.Select(c => new JpegCoefficients.Plane(
                        c.H,
                        c.V,
                        c.GridWide,
                        blockRows(c),
                        c.Coefficients!,
                        _quant[c.Tq] ?? new ushort[64]
                    )),
                ]
            );

        /// <summary>DQT, APP0 and APP14 as ImageSharp reads them (its colour space depends on the last two).</summary>
        private void DecodingSegment(byte marker, ReadOnlySpan<byte> s)
        {
            switch (marker)
            {
                case 0xE0:
                    _app0 = true; // any APP0 counts as JFIF for ImageSharp
                    return;
                case 0xEE:
                    if (s.Length >= 12)
                        _adobe = s[..5].SequenceEqual("Adobe"u8) ? s[..12].ToArray() : new byte[12];
                    return;
            }
            if (_scanning)
            {
                NotDecoded("a quantisation table defined after the first scan");
                return;
            }
            while (s.Length > 0)
            {
                int id = s[0] & 15,
                    precision = s[0] >> 4,
                    size = precision == 0 ? 64 : 128;
                if (id > 3 || precision > 1 || s.Length < 1 + size)
                {
                    NotDecoded("a quantisation table ImageSharp refuses");
                    return;
                }
                var table = new ushort[64];
                for (int k = 0; k < 64; k++)
                    table[Natural[k]] =
                        precision == 0 ? s[1 + k] : BinaryPrimitives.ReadUInt16BigEndian(s.Slice(1 + 2 * k, 2));
                _quant[id] = table;
                s = s[(1 + size)..];
            }
        }

        /// <summary>At the frame header: the colour space as ImageSharp deduces it there, and what it would
        /// treat apart.</summary>
        private void DecodingFrame(int precision)
        {
            var c = _components;
            bool adobe = _adobe[5..].AsSpan().ContainsAnyExcept((byte)0);
            bool ids123 = c.Length == 3 && c[0].Id == 1 && c[1].Id == 2 && c[2].Id == 3;
            _space = c.Length switch
            {
                1 => JpegColourSpace.Gray,
                3 when adobe => _adobe[11] switch
                {
                    1 => JpegColourSpace.YCbCr,
                    0 => JpegColourSpace.Rgb,
                    _ when ids123 => JpegColourSpace.YCbCr,
                    _ => JpegColourSpace.Other,
                },
                3 when _app0 => JpegColourSpace.YCbCr,
                3 when c[0].Id == 'R' && c[1].Id == 'G' && c[2].Id == 'B' => JpegColourSpace.Rgb,
                3 when ids123 => JpegColourSpace.YCbCr,
                3 when c.All(x => x.H == 1 && x.V == 1) => JpegColourSpace.Rgb,
                3 => JpegColourSpace.YCbCr,
                _ => JpegColourSpace.Other,
            };
            if (_space == JpegColourSpace.Other)
                NotDecoded($"{c.Length} components in a colour space decoded by ImageSharp");
            else if (precision != 8)
                NotDecoded($"{precision}-bit samples");
            else if (c.Select(x => x.Id).Distinct().Count() != c.Length)
                NotDecoded("two components with one id");
            else if (c.Any(x => x.Tq > 3))
                NotDecoded("a quantisation table id above 3");
            else if (c.Any(x => _hMax % x.H != 0 || _vMax % x.V != 0))
                NotDecoded("sampling factors that do not divide the largest");
            else if (
                c.Any(x =>
                    x.BlocksWide != ImageSharpBlocks(_width, x.H, _hMax)
                    || x.BlocksHigh != ImageSharpBlocks(_height, x.V, _vMax)
                )
            )
                NotDecoded("a component size ImageSharp computes otherwise");
        }

        /// <summary>ImageSharp's blocks per line of a component (JpegComponent.Init, in single precision).</summary>
        private static int ImageSharpBlocks(int size, int factor, int max) =>
            (int)MathF.Ceiling(MathF.Ceiling(size / 8f) * factor / max);

        private void DecodingScan(Component[] comps, Huffman?[] dc, Huffman?[] ac)
        {
            if (!_scanning)
            {
                _scanning = true;
                bool rows =
                    Stream is not null && !_progressive && comps.Length > 1 && comps.Length == _components.Length;
                foreach (var c in _components)
                    c.Coefficients = JpegCoefficients.Rent((long)c.GridWide * (rows ? c.V : c.GridHigh) * 64);
                if (rows)
                {
                    _rowFrame = Coefficients(c => c.V);
                    _rowDone = Stream!(_rowFrame);
                }
            }
            if (dc.Any(t => t?.Oversubscribed == true) || ac.Any(t => t?.Oversubscribed == true))
                NotDecoded("a Huffman table with more codes than room");
            foreach (var c in comps)
                if (++c.Scans > 1 && !_progressive)
                    NotDecoded("a sequential component scanned twice");
        }

        /// <summary>One block of a progressive scan (T.81 G.1.2, as libjpeg's decode_mcu_* and ImageSharp's
        /// HuffmanScanDecoder), walked and decoded by the same code: its bits consumed as the walk must, steered by
        /// the non-zero bitmap; its values kept in the coefficients when decoding.</summary>
        private void ProgressiveBlock(
            ReadOnlySpan<byte> b,
            ref BitReader bits,
            Component c,
            long index,
            Huffman? dc,
            Huffman? ac,
            int ss,
            int se,
            int al,
            bool refine,
            ref int eobrun
        )
        {
            var block = _decoding ? c.Coefficients.AsSpan((int)(index * 64), 64) : [];
            bool keep = !block.IsEmpty;
            if (ss == 0)
            {
                if (refine)
                {
                    int bit = bits.Read(b, 1);
                    if (keep)
                        block[0] |= (short)(bit << al);
                }
                else
                {
                    int t = Decode(b, ref bits, dc!);
                    if (t > 16)
                        throw new CorruptJpeg("corrupt image data (JPEG DC code)");
                    c.Dc += Extend(bits.Read(b, t), t);
                    if (keep)
                        block[0] = (short)(c.Dc << al);
                }
                return;
            }
            ref ulong nonZero = ref c.NonZero![index];
            if (!refine)
            {
                if (eobrun > 0)
                {
                    eobrun--;
                    return;
                }
                for (int k = ss; k <= se; )
                {
                    int rs = Decode(b, ref bits, ac!);
                    int r = rs >> 4,
                        s = rs & 15;
                    if (s == 0)
                    {
                        if (r < 15)
                        {
                            eobrun = (1 << r) - 1 + (r > 0 ? bits.Read(b, r) : 0);
                            break;
                        }
                        k += 16;
                        continue;
                    }
                    k += r;
                    int value = Extend(bits.Read(b, s), s) << al;
                    if (k < 64)
                        nonZero |= 1UL << k;
                    if (k > se || value != (short)value)
                        NotDecoded("a coefficient past its band or beyond 16 bits");
                    else if (keep)
                        block[Stored[k]] = (short)value;
                    k++;
                }
                return;
            }
            // Successive approximation of AC coefficients (T.81 G.1.2.3, as libjpeg's decode_mcu_AC_refine).
            int plus = 1 << al,
                minus = -1 << al;
            int kk = ss;
            if (eobrun == 0)
            {
                for (; kk <= se; kk++)
                {
                    int rs = Decode(b, ref bits, ac!);
                    int r = rs >> 4,
                        s = rs & 15;
                    int value = 0;
                    if (s != 0)
                        value = bits.Read(b, 1) == 0 ? minus : plus;
                    else if (r != 15)
                    {
                        eobrun = 1 << r;
                        if (r > 0)
                            eobrun += bits.Read(b, r);
                        break;
                    }
                    for (; kk <= se; kk++)
                    {
                        if ((nonZero >> kk & 1) == 0)
                        {
                            if (r == 0)
                                break;
                            r--;
                        }
                        else if (bits.Read(b, 1) != 0 && keep)
                            Correct(ref block[Stored[kk]], plus, minus);
                    }
                    if (s != 0 && kk <= se)
                    {
                        nonZero |= 1UL << kk;
                        if (keep)
                            block[Stored[kk]] = (short)value;
                    }
                    else if (s != 0)
                        NotDecoded("a refinement past its band");
                }
            }
            if (eobrun > 0)
            {
                // One correction bit per coefficient of kk … se already non-zero: skipped together by the walk,
                // read up to 16 at a time when decoding.
                ulong band =
                    kk > se ? 0 : nonZero & (se == 63 ? ulong.MaxValue : (1UL << (se + 1)) - 1) & ~((1UL << kk) - 1);
                if (!keep)
                    for (int n = System.Numerics.BitOperations.PopCount(band); n > 0; n -= 32)
                        bits.Skip(b, Math.Min(n, 32));
                while (keep && band != 0)
                {
                    int n = Math.Min(System.Numerics.BitOperations.PopCount(band), 16);
                    int corrections = bits.Read(b, n);
                    for (int j = n - 1; j >= 0; j--, band &= band - 1)
                        if ((corrections >> j & 1) != 0)
                            Correct(
                                ref block[Stored[System.Numerics.BitOperations.TrailingZeroCount(band)]],
                                plus,
                                minus
                            );
                }
                eobrun--;
            }
        }

        /// <summary>A correction bit of 1 for a coefficient already non-zero (libjpeg, ImageSharp): that bit added
        /// away from zero, unless it is set already.</summary>
        private static void Correct(ref short coefficient, int plus, int minus)
        {
            if ((coefficient & plus) == 0)
                coefficient += (short)(coefficient >= 0 ? plus : minus);
        }

        /// <summary>One block of a sequential scan, decoded: <see cref="SequentialBlock"/>'s steps and bits, with the
        /// values kept.</summary>
        private static void SequentialDecode(
            ReadOnlySpan<byte> b,
            ref BitReader bits,
            Huffman dc,
            Huffman ac,
            Component c,
            Span<short> block
        )
        {
            ref byte stored = ref MemoryMarshal.GetArrayDataReference(Stored); // 80 entries: k never passes 78
            ref short values = ref MemoryMarshal.GetReference(block); // 64: every entry of Stored is below
            ulong buffer = bits.Buffer;
            int count = bits.Count;
            if (count < 32)
                (buffer, count) = bits.Refill(b, buffer, count);
            var (length, t) = Symbol(dc, buffer);
            if (t > 16)
                throw new CorruptJpeg("corrupt image data (JPEG DC code)");
            if (t > 0)
                c.Dc += Extend((int)(buffer << length >> (64 - t)), t);
            values = (short)c.Dc;
            buffer <<= length + t;
            count -= length + t;
            for (int k = 1; k < 64; )
            {
                if (count < 32)
                    (buffer, count) = bits.Refill(b, buffer, count);
                var (codeLength, rs) = Symbol(ac, buffer);
                int r = rs >> 4,
                    size = rs & 15;
                if (size == 0)
                {
                    buffer <<= codeLength;
                    count -= codeLength;
                    if (r != 15)
                        break;
                    k += 16;
                    continue;
                }
                k += r;
                Unsafe.Add(ref values, Unsafe.Add(ref stored, k)) = (short)Extend(
                    (int)(buffer << codeLength >> (64 - size)),
                    size
                );
                buffer <<= codeLength + size;
                count -= codeLength + size;
                k++;
            }
            (bits.Buffer, bits.Count) = (buffer, count);
        }

        /// <summary>The signed value of <paramref name="size"/> extra bits (T.81 F.2.2.1).</summary>
        private static int Extend(int value, int size) =>
            size == 0 ? 0
            : value < 1 << (size - 1) ? value - (1 << size) + 1
            : value;
    }
}
