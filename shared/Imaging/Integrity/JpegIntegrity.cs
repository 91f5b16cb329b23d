using System.Buffers.Binary;

namespace FeatureInversion.Imaging.Integrity;

/// <summary>
/// Structural check of a Huffman-coded JPEG (ITU T.81: baseline, extended and progressive, annex F and G) before
/// decoding. ImageSharp 2.1 decodes a JPEG whose scan data stops early — cut and closed with an end-of-image
/// marker, or not closed at all — and fills the missing blocks with gray. Here every scan's entropy-coded data is
/// walked symbol by symbol (Huffman codes, extra bits, EOB runs, refinement bits; no dequantisation, no IDCT) and
/// must hold all the MCUs the frame needs before the next marker; restart markers are expected where the restart
/// interval puts them; each component must be covered by a scan. Arithmetic-coded, lossless and hierarchical
/// JPEGs are left to the decoder. Memory: one bit per coefficient of a progressive image (1/8 byte per pixel per
/// component), nothing for sequential ones.
/// <para>
/// Speed: the walk is as much entropy decoding as ImageSharp's own, which it cannot share (ImageSharp 2.1 reports no
/// early end of scan data), so it reads like libjpeg: 64 bits read ahead (eight bytes at a time when none is 0xFF),
/// codes of up to 9 bits found by one table look-up, a code and its extra bits dropped together, a sequential
/// block's bits kept in locals, a refinement's correction bits counted by popcount. <c>FeatureInversion.Benchmarks
/// jpeg</c> times it against the decode (docs/benchmarks.md).
/// </para>
/// </summary>
public static partial class JpegIntegrity
{
    public static bool IsJpeg(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;

    private const string Truncated = "JPEG truncated: ";

    /// <summary>Above every image limit (40 MP by default): the walk's per-block table is bounded before it is
    /// allocated.</summary>
    private const long MaxWalkedPixels = 100_000_000;

    /// <summary>Null when the file is complete, else why not.</summary>
    public static string? Problem(ReadOnlySpan<byte> bytes)
    {
        if (!IsJpeg(bytes))
            return null;
        var state = new Parser(decode: false);
        try
        {
            return state.Run(bytes);
        }
        catch (CorruptJpeg e)
        {
            return e.Message;
        }
    }

    private sealed class CorruptJpeg(string message) : Exception(message);

    private sealed class Component
    {
        public int Id,
            H,
            V,
            BlocksWide,
            BlocksHigh,
            GridWide,
            GridHigh;
        public bool Scanned;
        public ulong[]? NonZero; // progressive: 64 bits per block, bit k set once coefficient k is non-zero

        // Decoding (JpegIntegrity.Decode.cs): the quantisation table, the DC prediction, the coefficients.
        public int Tq,
            Dc,
            Scans;
        public short[]? Coefficients;
    }

    private sealed class Huffman
    {
        /// <summary>Codes up to this long are found by one look-up of the next bits.</summary>
        public const int FastBits = 9;

        public readonly int[] MaxCode = new int[18],
            ValPtr = new int[17],
            MinCode = new int[17];
        public byte[] Values = [];

        /// <summary>A <see cref="Fast"/> entry for a prefix no code can start with.</summary>
        public const ushort Invalid = 0xFFFF;

        /// <summary>Indexed by the next <see cref="FastBits"/> bits: code length × 256 + symbol, 0 when the code is
        /// longer, <see cref="Invalid"/> when there is none.</summary>
        public readonly ushort[] Fast = new ushort[1 << FastBits];

        /// <summary>More codes than the lengths have room for: decoders may read such a table differently.</summary>
        public bool Oversubscribed;
    }

    private sealed partial class Parser
    {
        private readonly Huffman?[] _dc = new Huffman?[4],
            _ac = new Huffman?[4];
        private Component[] _components = [];
        private int _width,
            _height,
            _hMax,
            _vMax,
            _restartInterval;
        private bool _progressive,
            _frame,
            _skipChecks;

        public string? Run(ReadOnlySpan<byte> b)
        {
            int pos = 2;
            while (true)
            {
                // Next marker: 0xFF, fill bytes, a code.
                if (pos >= b.Length)
                    return Truncated + "no end-of-image marker";
                if (b[pos] != 0xFF)
                {
                    pos++;
                    if (_decoding)
                        NotDecoded("stray bytes between segments"); // ImageSharp reads them its own way
                    continue;
                } // stray bytes between segments: tolerated, as decoders do
                while (pos < b.Length && b[pos] == 0xFF)
                    pos++;
                if (pos >= b.Length)
                    return Truncated + "no end-of-image marker";
                byte marker = b[pos++];
                if (marker == 0x00 || marker is >= 0xD0 and <= 0xD7 || marker == 0x01)
                {
                    if (_decoding)
                        NotDecoded("stray bytes between segments");
                    continue;
                }
                if (marker == 0xD9)
                    return Finish();
                if (pos + 2 > b.Length)
                    return Truncated + $"segment 0x{marker:X2} cut off";
                int length = BinaryPrimitives.ReadUInt16BigEndian(b[pos..]);
                if (length < 2 || pos + length > b.Length)
                    return Truncated + $"segment 0x{marker:X2} runs past the end of the file";
                var segment = b.Slice(pos + 2, length - 2);
                pos += length;
                switch (marker)
                {
                    case 0xC0 or 0xC1 or 0xC2:
                        Frame(segment, marker == 0xC2);
                        break;
                    case >= 0xC3 and <= 0xCF when marker is not (0xC4 or 0xC8 or 0xCC):
                        _skipChecks = true;
                        break; // lossless, hierarchical, arithmetic
                    case 0xC4:
                        Tables(segment);
                        break;
                    case 0xDB or 0xE0 or 0xEE when _decoding:
                        DecodingSegment(marker, segment);
                        break;
                    case 0xDD:
                        _restartInterval = segment.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(segment) : 0;
                        break;
                    case 0xDA:
                        if (_skipChecks)
                        {
                            NotDecoded("a frame type left to ImageSharp");
                            return null;
                        }
                        if (!_frame)
                            throw new CorruptJpeg("corrupt image data (JPEG scan before its frame header)");
                        pos = Scan(b, segment, pos);
                        break;
                }
            }
        }

        private string? Finish()
        {
            if (_skipChecks || !_frame)
                return null;
            var missing = _components.FirstOrDefault(c => !c.Scanned);
            return missing is null ? null : Truncated + $"component {missing.Id} has no scan data";
        }

        private void Frame(ReadOnlySpan<byte> s, bool progressive)
        {
            if (s.Length < 6)
                throw new CorruptJpeg("corrupt image data (JPEG frame header too short)");
            // One frame per file (ImageSharp decodes no hierarchical JPEG); the first one passed the header limits, a
            // second could declare 65535² and make the walk below allocate gigabytes.
            if (_frame)
                throw new CorruptJpeg("corrupt image data (JPEG has a second frame header)");
            _height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
            _width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
            int n = s[5];
            if (_height == 0 || _width == 0)
            {
                _skipChecks = true;
                return;
            } // DNL-defined height: left to the decoder
            if ((long)_width * _height > MaxWalkedPixels)
                throw new CorruptJpeg(
                    $"corrupt image data (JPEG frame of {_width}x{_height} exceeds what is checked, "
                        + $"{MaxWalkedPixels / 1_000_000} megapixels)"
                );
            if (n < 1 || s.Length < 6 + 3 * n)
                throw new CorruptJpeg("corrupt image data (JPEG frame header too short)");
            _progressive = progressive;
            _components = new Component[n];
            for (int i = 0; i < n; i++)
            {
                int h = s[7 + 3 * i] >> 4,
                    v = s[7 + 3 * i] & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4)
                    throw new CorruptJpeg("corrupt image data (JPEG sampling factors)");
                _components[i] = new Component
                {
                    Id = s[6 + 3 * i],
                    H = h,
                    V = v,
                    Tq = s[8 + 3 * i],
                };
            }
            _hMax = _components.Max(c => c.H);
            _vMax = _components.Max(c => c.V);
            int mcusWide = Ceil(_width, 8 * _hMax),
                mcusHigh = Ceil(_height, 8 * _vMax);
            foreach (var c in _components)
            {
                c.BlocksWide = Ceil(Ceil(_width * c.H, _hMax), 8);
                c.BlocksHigh = Ceil(Ceil(_height * c.V, _vMax), 8);
                c.GridWide = mcusWide * c.H;
                c.GridHigh = mcusHigh * c.V;
                if (progressive)
                    c.NonZero = new ulong[(long)c.GridWide * c.GridHigh];
            }
            _frame = true;
            if (_decoding)
                DecodingFrame(s[0]);
        }

        private void Tables(ReadOnlySpan<byte> s)
        {
            while (s.Length > 0)
            {
                if (s.Length < 17)
                    throw new CorruptJpeg("corrupt image data (JPEG Huffman table too short)");
                int cls = s[0] >> 4,
                    id = s[0] & 15;
                if (cls > 1 || id > 3)
                    throw new CorruptJpeg("corrupt image data (JPEG Huffman table id)");
                var t = new Huffman();
                int count = 0,
                    code = 0;
                for (int l = 1; l <= 16; l++)
                {
                    int bits = s[l];
                    t.ValPtr[l] = count;
                    t.MinCode[l] = code;
                    code += bits;
                    count += bits;
                    t.MaxCode[l] = bits > 0 ? code - 1 : -1;
                    t.Oversubscribed |= code > 1 << l;
                    code <<= 1;
                }
                t.MaxCode[17] = int.MaxValue;
                if (s.Length < 17 + count)
                    throw new CorruptJpeg("corrupt image data (JPEG Huffman table too short)");
                t.Values = s.Slice(17, count).ToArray();
                // As the bit-by-bit search (T.81 F.2.2.3): the shortest length whose MaxCode the prefix does not
                // exceed wins, and a prefix below that length's MinCode is invalid (only a malformed table has one).
                for (int l = 1; l <= Huffman.FastBits; l++)
                for (int c = 0; c <= Math.Min(t.MaxCode[l], (1 << l) - 1); c++)
                {
                    int first = c << (Huffman.FastBits - l);
                    ushort entry =
                        c < t.MinCode[l]
                            ? Huffman.Invalid
                            : (ushort)(l << 8 | t.Values[t.ValPtr[l] + c - t.MinCode[l]]);
                    for (int e = first; e < first + (1 << (Huffman.FastBits - l)); e++)
                        if (t.Fast[e] == 0)
                            t.Fast[e] = entry;
                }
                (cls == 0 ? _dc : _ac)[id] = t;
                s = s[(17 + count)..];
            }
        }

        /// <summary>Walks one scan's entropy-coded data; returns the position after it (at its terminating
        /// marker).</summary>
        private int Scan(ReadOnlySpan<byte> b, ReadOnlySpan<byte> header, int pos)
        {
            int ns = header.Length > 0 ? header[0] : 0;
            if (ns < 1 || header.Length < 1 + 2 * ns + 3)
                throw new CorruptJpeg("corrupt image data (JPEG scan header too short)");
            var comps = new Component[ns];
            var dcTables = new Huffman?[ns];
            var acTables = new Huffman?[ns];
            for (int i = 0; i < ns; i++)
            {
                int id = header[1 + 2 * i];
                comps[i] = _components.FirstOrDefault(c => c.Id == id)
                    ?? throw new CorruptJpeg($"corrupt image data (JPEG scan names unknown component {id})");
                dcTables[i] = _dc[header[2 + 2 * i] >> 4 & 3];
                acTables[i] = _ac[header[2 + 2 * i] & 3];
            }
            int ss = header[1 + 2 * ns],
                se = header[2 + 2 * ns],
                ah = header[3 + 2 * ns] >> 4,
                al = header[3 + 2 * ns] & 15;
            if (!_progressive)
            {
                ss = 0;
                se = 63;
            }
            else if (se > 63 || ss > se || ss == 0 && se != 0)
                throw new CorruptJpeg($"corrupt image data (JPEG spectral selection {ss}..{se})");
            bool dcScan = ss == 0,
                refine = _progressive && ah > 0;
            if (_progressive && !dcScan && ns != 1)
                throw new CorruptJpeg("corrupt image data (progressive AC scan with several components)");
            for (int i = 0; i < ns; i++)
            {
                if ((dcScan && !refine || !_progressive) && dcTables[i] is null)
                    throw new CorruptJpeg("corrupt image data (JPEG scan uses an undefined DC Huffman table)");
                if ((!dcScan || !_progressive) && acTables[i] is null)
                    throw new CorruptJpeg("corrupt image data (JPEG scan uses an undefined AC Huffman table)");
            }

            if (_decoding)
                DecodingScan(comps, dcTables, acTables);
            var bits = new BitReader(pos);
            int mcusWide = Ceil(_width, 8 * _hMax);
            long units;
            bool interleaved = ns > 1;
            if (interleaved)
                units = (long)mcusWide * Ceil(_height, 8 * _vMax);
            else
                units = (long)comps[0].BlocksWide * comps[0].BlocksHigh;
            int eobrun = 0;
            long sinceRestart = 0,
                mcuRow = 0,
                mcuColumn = -1;
            for (long u = 0; u < units; u++)
            {
                if (++mcuColumn == mcusWide)
                    (mcuRow, mcuColumn) = (mcuRow + 1, 0);
                if (_restartInterval > 0 && sinceRestart == _restartInterval)
                {
                    RunsOn(b, bits, u, atRestart: true);
                    if (!bits.Restart(b))
                        throw new CorruptJpeg(Truncated + $"scan data ends after {u} of {units} MCUs");
                    sinceRestart = 0;
                    eobrun = 0;
                    if (_decoding)
                        foreach (var c in _components)
                            c.Dc = 0; // as ImageSharp: every component's prediction, not only the scan's
                }
                if (interleaved)
                {
                    for (int i = 0; i < ns; i++)
                    {
                        var c = comps[i];
                        // The blocks' places in the component's grid (used only to keep their coefficients).
                        long first = (Streaming ? 0 : mcuRow * c.V * c.GridWide) + mcuColumn * c.H;
                        for (int ky = 0; ky < c.V; ky++)
                        for (int kx = 0; kx < c.H; kx++)
                        {
                            long index = first + ky * c.GridWide + kx;
                            Block(b, ref bits, c, index, dcTables[i], acTables[i], ss, se, al, refine, ref eobrun);
                        }
                    }
                }
                else
                {
                    var c = comps[0];
                    long index = u / c.BlocksWide * c.GridWide + u % c.BlocksWide;
                    Block(b, ref bits, c, index, dcTables[0], acTables[0], ss, se, al, refine, ref eobrun);
                }
                if (bits.HitMarker)
                    throw new CorruptJpeg(Truncated + $"scan data ends after {u} of {units} MCUs");
                if (interleaved && mcuColumn == mcusWide - 1 && Streaming)
                    McuRowDone(mcuRow);
                sinceRestart++;
            }
            RunsOn(b, bits, units, atRestart: false);
            foreach (var c in comps)
                c.Scanned = true;
            if (_decoding && eobrun != 0)
                NotDecoded("an end-of-band run beyond its scan"); // ImageSharp carries it into the next scan
            return bits.End(b);
        }

        /// <summary>
        /// Data left after an interval's or a scan's last MCU — more than the last byte's padding bits — means its
        /// symbols were not the ones written (a damaged byte read as a shorter code, an inserted or deleted byte)
        /// or the MCU count is wrong: refused like a scan that stops early. libjpeg warns of "extraneous bytes"
        /// and decodes; ImageSharp 2.1 refused some of these files by accident of its marker reader (when the
        /// leftover bytes held a stuffed 0xFF00 at an even offset) and decoded the rest.
        /// </summary>
        private static void RunsOn(ReadOnlySpan<byte> b, BitReader bits, long mcus, bool atRestart)
        {
            int extra = bits.Leftover(b, atRestart);
            if (extra > 0)
                throw new CorruptJpeg(
                    $"corrupt image data (JPEG scan data runs on for {extra} bytes after MCU {mcus})"
                );
        }

        private void Block(
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
            if (_progressive) // walked and decoded by the same code: the values are kept only when decoding
                ProgressiveBlock(b, ref bits, c, index, dc, ac, ss, se, al, refine, ref eobrun);
            else if (_decoding)
                SequentialDecode(b, ref bits, dc!, ac!, c, c.Coefficients.AsSpan((int)(index * 64), 64));
            else
                SequentialBlock(b, ref bits, dc!, ac!);
        }

        /// <summary>
        /// One block of a sequential scan: the DC difference and the AC run/size symbols up to end-of-block, each
        /// code and its extra bits dropped together. The walk's hot loop: its bits stay in locals (the reader's
        /// fields are read once and written back once per block, and when it refills).
        /// </summary>
        private static void SequentialBlock(ReadOnlySpan<byte> b, ref BitReader bits, Huffman dc, Huffman ac)
        {
            ulong buffer = bits.Buffer;
            int count = bits.Count;
            if (count < 32)
                (buffer, count) = bits.Refill(b, buffer, count);
            var (length, t) = Symbol(dc, buffer);
            if (t > 16)
                throw new CorruptJpeg("corrupt image data (JPEG DC code)");
            buffer <<= length + t; // at most 16 + 16 of the 32 bits there are
            count -= length + t;
            for (int k = 1; k < 64; )
            {
                if (count < 32)
                    (buffer, count) = bits.Refill(b, buffer, count);
                var (codeLength, rs) = Symbol(ac, buffer);
                int r = rs >> 4,
                    size = rs & 15;
                buffer <<= codeLength + size;
                count -= codeLength + size;
                if (size == 0)
                {
                    if (r != 15)
                        break;
                    k += 16;
                    continue;
                }
                k += r + 1;
            }
            (bits.Buffer, bits.Count) = (buffer, count);
        }

        /// <summary>The code at the top of <paramref name="buffer"/> (at least 16 bits there): its length and
        /// symbol.</summary>
        [System.Runtime.CompilerServices.MethodImpl(
            System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining
        )]
        private static (int Length, int Symbol) Symbol(Huffman t, ulong buffer)
        {
            int fast = t.Fast[(int)(buffer >> (64 - Huffman.FastBits))];
            return fast is not (0 or Huffman.Invalid) ? (fast >> 8, fast & 0xFF) : LongSymbol(t, buffer);
        }

        private static (int Length, int Symbol) LongSymbol(Huffman t, ulong buffer)
        {
            if (t.Fast[(int)(buffer >> (64 - Huffman.FastBits))] != Huffman.Invalid)
                for (int l = Huffman.FastBits + 1; l <= 16; l++)
                {
                    int code = (int)(buffer >> (64 - l));
                    if (code > t.MaxCode[l])
                        continue;
                    int v = t.ValPtr[l] + code - t.MinCode[l];
                    if ((uint)v >= (uint)t.Values.Length)
                        break;
                    return (l, t.Values[v]);
                }
            throw new CorruptJpeg("corrupt image data (invalid JPEG Huffman code)");
        }

        private static int Decode(ReadOnlySpan<byte> b, ref BitReader bits, Huffman t)
        {
            bits.Ensure(b);
            var (length, symbol) = Symbol(t, bits.Buffer);
            bits.Drop(length);
            return symbol;
        }

        private static int Ceil(int a, int b) => (a + b - 1) / b;
    }

    /// <summary>
    /// Bits of entropy-coded data, most significant first, with 0xFF00 unstuffed, read ahead into 64 bits. A marker
    /// ends the data: zeros follow, and <see cref="HitMarker"/> tells whether any of them were consumed (the scan
    /// needed more data than it has), not merely read ahead.
    /// </summary>
    private struct BitReader(int pos)
    {
        private int _pos = pos, // next byte to read ahead; never past a marker
            _zeros; // of the bits in the buffer, the last ones supplied after a marker
        private bool _marker;

        /// <summary>The bits read ahead, the next at the top, and how many there are.</summary>
        public ulong Buffer;
        public int Count;

        public readonly bool HitMarker => Count < _zeros;

        /// <summary>At least 32 bits in the buffer (a code of up to 16 bits and up to 16 extra bits).</summary>
        public void Ensure(ReadOnlySpan<byte> b)
        {
            if (Count < 32)
                Fill(b);
        }

        /// <summary>The next <paramref name="n"/> (1 … 16) bits, after <see cref="Ensure"/>.</summary>
        public readonly int Peek(int n) => (int)(Buffer >> (64 - n));

        public void Drop(int n)
        {
            Buffer <<= n;
            Count -= n;
        }

        public int Read(ReadOnlySpan<byte> b, int n)
        {
            if (n == 0)
                return 0;
            if (Count < n)
                Fill(b);
            int value = Peek(n);
            Drop(n);
            return value;
        }

        public void Skip(ReadOnlySpan<byte> b, int n)
        {
            if (Count < n)
                Fill(b);
            Drop(n);
        }

        /// <summary><see cref="Fill"/> for a caller that keeps the buffer in locals.</summary>
        public (ulong Buffer, int Count) Refill(ReadOnlySpan<byte> b, ulong buffer, int count)
        {
            (Buffer, Count) = (buffer, count);
            Fill(b);
            return (Buffer, Count);
        }

        private void Fill(ReadOnlySpan<byte> b)
        {
            // Eight bytes with no 0xFF among them (no stuffing, no marker) are taken whole.
            if (!_marker && _pos + 8 <= b.Length)
            {
                ulong next = BinaryPrimitives.ReadUInt64BigEndian(b[_pos..]),
                    inverted = ~next;
                if (((inverted - 0x0101010101010101UL) & ~inverted & 0x8080808080808080UL) == 0)
                {
                    int take = (64 - Count) >> 3;
                    Buffer |= next >> (64 - 8 * take) << (64 - Count - 8 * take);
                    Count += 8 * take;
                    _pos += take;
                    return;
                }
            }
            while (Count <= 56)
            {
                ulong v = 0;
                if (!_marker && _pos < b.Length && b[_pos] != 0xFF)
                    v = b[_pos++];
                else if (!_marker && _pos + 1 < b.Length && b[_pos + 1] == 0x00)
                {
                    v = 0xFF;
                    _pos += 2;
                }
                else
                {
                    _marker = true; // a marker (or the end) where data was needed: zeros from here
                    _zeros += 8;
                }
                Buffer |= v << (56 - Count);
                Count += 8;
            }
        }

        /// <summary>Whole bytes of data not consumed (read ahead or not yet read) before the next marker — at the
        /// end of a scan, the next that is not a restart marker; fill bytes (0xFF before a marker) are not
        /// data.</summary>
        public readonly int Leftover(ReadOnlySpan<byte> b, bool atRestart)
        {
            int bytes = (Count - _zeros) / 8,
                p = _pos;
            while (p < b.Length)
            {
                if (b[p] != 0xFF)
                    p++;
                else if (p + 1 < b.Length && b[p + 1] == 0x00)
                    p += 2;
                else if (p + 1 < b.Length && b[p + 1] == 0xFF)
                {
                    p++;
                    continue;
                }
                else if (!atRestart && p + 1 < b.Length && b[p + 1] is >= 0xD0 and <= 0xD7)
                {
                    p += 2;
                    continue;
                }
                else
                    break;
                bytes++;
            }
            return bytes;
        }

        /// <summary>At a restart boundary: drops the partial byte and consumes the RSTn marker; false when another
        /// marker (or the end) is there.</summary>
        public bool Restart(ReadOnlySpan<byte> b)
        {
            if (HitMarker)
                return false;
            (Buffer, Count, _zeros, _marker) = (0, 0, 0, false);
            while (_pos < b.Length && b[_pos] != 0xFF)
                _pos++; // padding bits of the last byte were consumed; skip anything stray
            while (_pos + 1 < b.Length && b[_pos] == 0xFF && b[_pos + 1] == 0xFF)
                _pos++;
            if (_pos + 1 >= b.Length || b[_pos + 1] is < 0xD0 or > 0xD7)
                return false;
            _pos += 2;
            return true;
        }

        /// <summary>Position of the first marker after the scan (trailing restart markers and padding
        /// skipped).</summary>
        public readonly int End(ReadOnlySpan<byte> b)
        {
            int p = _pos;
            while (p + 1 < b.Length)
            {
                if (b[p] == 0xFF && b[p + 1] != 0x00 && b[p + 1] != 0xFF && b[p + 1] is < 0xD0 or > 0xD7)
                    return p;
                p++;
            }
            return b.Length;
        }
    }
}
