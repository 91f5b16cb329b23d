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
/// </summary>
public static class JpegIntegrity
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
        var state = new Parser();
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
    }

    private sealed class Huffman
    {
        public readonly int[] MaxCode = new int[18],
            ValPtr = new int[17],
            MinCode = new int[17];
        public byte[] Values = [];
    }

    private sealed class Parser
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
                    continue;
                } // stray bytes between segments: tolerated, as decoders do
                while (pos < b.Length && b[pos] == 0xFF)
                    pos++;
                if (pos >= b.Length)
                    return Truncated + "no end-of-image marker";
                byte marker = b[pos++];
                if (marker == 0x00 || marker is >= 0xD0 and <= 0xD7 || marker == 0x01)
                    continue;
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
                    case 0xDD:
                        _restartInterval = segment.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(segment) : 0;
                        break;
                    case 0xDA:
                        if (_skipChecks)
                            return null;
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
                    code <<= 1;
                }
                t.MaxCode[17] = int.MaxValue;
                if (s.Length < 17 + count)
                    throw new CorruptJpeg("corrupt image data (JPEG Huffman table too short)");
                t.Values = s.Slice(17, count).ToArray();
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
                ah = header[3 + 2 * ns] >> 4;
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

            var bits = new BitReader(pos);
            long units;
            bool interleaved = ns > 1;
            if (interleaved)
                units = (long)Ceil(_width, 8 * _hMax) * Ceil(_height, 8 * _vMax);
            else
                units = (long)comps[0].BlocksWide * comps[0].BlocksHigh;
            int eobrun = 0;
            long sinceRestart = 0;
            for (long u = 0; u < units; u++)
            {
                if (_restartInterval > 0 && sinceRestart == _restartInterval)
                {
                    if (!bits.Restart(b))
                        throw new CorruptJpeg(Truncated + $"scan data ends after {u} of {units} MCUs");
                    sinceRestart = 0;
                    eobrun = 0;
                }
                if (interleaved)
                {
                    for (int i = 0; i < ns; i++)
                    {
                        var c = comps[i];
                        for (int k = 0; k < c.H * c.V; k++)
                            Block(b, ref bits, c, 0, dcTables[i], acTables[i], ss, se, refine, ref eobrun);
                    }
                }
                else
                {
                    var c = comps[0];
                    long index = u / c.BlocksWide * c.GridWide + u % c.BlocksWide;
                    Block(b, ref bits, c, index, dcTables[0], acTables[0], ss, se, refine, ref eobrun);
                }
                if (bits.HitMarker)
                    throw new CorruptJpeg(Truncated + $"scan data ends after {u} of {units} MCUs");
                sinceRestart++;
            }
            foreach (var c in comps)
                c.Scanned = true;
            return bits.End(b);
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
            bool refine,
            ref int eobrun
        )
        {
            if (!_progressive)
            {
                int t = Decode(b, ref bits, dc!);
                if (t > 16)
                    throw new CorruptJpeg("corrupt image data (JPEG DC code)");
                bits.Skip(b, t);
                for (int k = 1; k < 64; )
                {
                    int rs = Decode(b, ref bits, ac!);
                    int r = rs >> 4,
                        s = rs & 15;
                    if (s == 0)
                    {
                        if (r != 15)
                            break;
                        k += 16;
                        continue;
                    }
                    k += r;
                    bits.Skip(b, s);
                    k++;
                }
                return;
            }
            if (ss == 0)
            {
                if (refine)
                    bits.Skip(b, 1);
                else
                {
                    int t = Decode(b, ref bits, dc!);
                    if (t > 16)
                        throw new CorruptJpeg("corrupt image data (JPEG DC code)");
                    bits.Skip(b, t);
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
                    bits.Skip(b, s);
                    if (k < 64)
                        nonZero |= 1UL << k;
                    k++;
                }
                return;
            }
            // Successive approximation of AC coefficients (T.81 G.1.2.3, as libjpeg's decode_mcu_AC_refine).
            int kk = ss;
            if (eobrun == 0)
            {
                for (; kk <= se; kk++)
                {
                    int rs = Decode(b, ref bits, ac!);
                    int r = rs >> 4,
                        s = rs & 15;
                    if (s != 0)
                        bits.Skip(b, 1);
                    else if (r != 15)
                    {
                        eobrun = 1 << r;
                        if (r > 0)
                            eobrun += bits.Read(b, r);
                        break;
                    }
                    for (; kk <= se; kk++)
                    {
                        if ((nonZero >> kk & 1) != 0)
                            bits.Skip(b, 1);
                        else
                        {
                            if (r == 0)
                                break;
                            r--;
                        }
                    }
                    if (s != 0 && kk <= se)
                        nonZero |= 1UL << kk;
                }
            }
            if (eobrun > 0)
            {
                for (; kk <= se; kk++)
                    if ((nonZero >> kk & 1) != 0)
                        bits.Skip(b, 1);
                eobrun--;
            }
        }

        private static int Decode(ReadOnlySpan<byte> b, ref BitReader bits, Huffman t)
        {
            int code = bits.Read(b, 1),
                l = 1;
            while (code > t.MaxCode[l])
            {
                if (++l > 16)
                    throw new CorruptJpeg("corrupt image data (invalid JPEG Huffman code)");
                code = code << 1 | bits.Read(b, 1);
            }
            int v = t.ValPtr[l] + code - t.MinCode[l];
            if ((uint)v >= (uint)t.Values.Length)
                throw new CorruptJpeg("corrupt image data (invalid JPEG Huffman code)");
            return t.Values[v];
        }

        private static int Ceil(int a, int b) => (a + b - 1) / b;
    }

    /// <summary>Bits of entropy-coded data, most significant first, with 0xFF00 unstuffed; a marker ends the data
    /// (zeros follow).</summary>
    private struct BitReader(int pos)
    {
        private int _pos = pos,
            _bits;
        private uint _buffer;
        public bool HitMarker { get; private set; }

        public int Read(ReadOnlySpan<byte> b, int n)
        {
            int value = 0;
            for (int i = 0; i < n; i++)
            {
                if (_bits == 0)
                    Fill(b);
                _bits--;
                value = value << 1 | (int)(_buffer >> _bits & 1);
            }
            return value;
        }

        public void Skip(ReadOnlySpan<byte> b, int n) => Read(b, n);

        private void Fill(ReadOnlySpan<byte> b)
        {
            _bits = 8;
            if (HitMarker || _pos >= b.Length)
            {
                HitMarker = true;
                _buffer = 0;
                return;
            }
            byte v = b[_pos];
            if (v == 0xFF)
            {
                if (_pos + 1 < b.Length && b[_pos + 1] == 0x00)
                {
                    _buffer = 0xFF;
                    _pos += 2;
                    return;
                }
                HitMarker = true; // a marker where data was needed
                _buffer = 0;
                return;
            }
            _buffer = v;
            _pos++;
        }

        /// <summary>At a restart boundary: drops the partial byte and consumes the RSTn marker; false when another
        /// marker (or the end) is there.</summary>
        public bool Restart(ReadOnlySpan<byte> b)
        {
            _bits = 0;
            if (HitMarker)
                return false;
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
        public int End(ReadOnlySpan<byte> b)
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
