using System.Globalization;
using System.Text;

namespace FeatureInversion.Imaging.IO;

/// <summary>
/// The header dictionary of a <c>.npy</c> file, parsed as numpy reads it (numpy/lib/format.py,
/// <c>_read_array_header</c>: <c>ast.literal_eval</c> of the header, which must be a dict with exactly the keys
/// 'descr', 'fortran_order' and 'shape'; 'fortran_order' a bool; 'shape' a tuple of ints). Only the Python literal
/// syntax such a dict needs is accepted: string literals in single or double quotes, True/False, integers, tuples,
/// whitespace and # comments. A key given twice takes its last value, as a Python dict literal does.
/// </summary>
internal sealed class NpyHeader
{
    public required string Descr { get; init; }
    public required bool FortranOrder { get; init; }
    public required long[] Shape { get; init; }

    private static readonly string[] Keys = ["descr", "fortran_order", "shape"];

    /// <summary>The header, or an <see cref="InvalidDataException"/> saying what numpy would refuse.</summary>
    public static NpyHeader Parse(string text, string name)
    {
        var p = new Parser(text, name);
        var dict = p.Dict();
        p.End();
        var extra = dict.Keys.Except(Keys).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException(
                $"{name}: header has keys numpy does not accept: {string.Join(", ", extra.Select(k => $"'{k}'"))}."
            );
        if (!dict.TryGetValue("shape", out var shape))
            throw new InvalidDataException($"{name}: no shape in header.");
        if (!dict.TryGetValue("descr", out var descr))
            throw new InvalidDataException($"{name}: no descr in header.");
        if (!dict.TryGetValue("fortran_order", out var fortran))
            throw new InvalidDataException($"{name}: no fortran_order in header.");
        if (descr is not string d)
            throw new InvalidDataException($"{name}: descr is not a string.");
        if (fortran is not bool f)
            throw new InvalidDataException($"{name}: fortran_order is not a bool (True or False).");
        if (shape is not List<object> items || items.Any(i => i is not long v || v < 0))
            throw new InvalidDataException($"{name}: shape is not a tuple of non-negative integers.");
        return new NpyHeader
        {
            Descr = d,
            FortranOrder = f,
            Shape = items.Cast<long>().ToArray(),
        };
    }

    private sealed class Parser(string text, string name)
    {
        private int _at;

        private InvalidDataException Error(string what) =>
            new($"{name}: header is not a dict literal numpy reads ({what} at character {_at}).");

        private void Skip()
        {
            while (_at < text.Length)
            {
                char c = text[_at];
                if (c is ' ' or '\t' or '\n' or '\r' or '\f')
                    _at++;
                else if (c == '#')
                {
                    while (_at < text.Length && text[_at] != '\n')
                        _at++;
                }
                else
                    break;
            }
        }

        private bool Eat(char c)
        {
            Skip();
            if (_at < text.Length && text[_at] == c)
            {
                _at++;
                return true;
            }
            return false;
        }

        public void End()
        {
            Skip();
            if (_at != text.Length)
                throw Error("text after the dict");
        }

        public Dictionary<string, object> Dict()
        {
            if (!Eat('{'))
                throw Error("no '{'");
            var dict = new Dictionary<string, object>(StringComparer.Ordinal);
            while (!Eat('}'))
            {
                Skip();
                var key = Value() as string ?? throw Error("a key that is not a string");
                if (!Eat(':'))
                    throw Error("no ':'");
                dict[key] = Value(); // a repeated key takes its last value, as in Python
                if (Eat('}'))
                    break;
                if (!Eat(','))
                    throw Error("no ',' or '}'");
            }
            return dict;
        }

        private object Value()
        {
            Skip();
            if (_at >= text.Length)
                throw Error("the end");
            char c = text[_at];
            if (c is '\'' or '"')
                return String(c);
            if (c == '(')
                return Tuple();
            if (char.IsAsciiDigit(c) || c == '-')
                return Number();
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
            {
                if (
                    string.CompareOrdinal(text, _at, word, 0, word.Length) == 0
                    && (
                        _at + word.Length == text.Length
                        || !char.IsAsciiLetterOrDigit(text[_at + word.Length]) && text[_at + word.Length] != '_'
                    )
                )
                {
                    _at += word.Length;
                    return value;
                }
            }
            throw Error($"an unexpected '{(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString())}'");
        }

        private string String(char quote)
        {
            var s = new StringBuilder();
            _at++;
            while (true)
            {
                if (_at >= text.Length || text[_at] == '\n')
                    throw Error("an unterminated string");
                char c = text[_at++];
                if (c == quote)
                    return s.ToString();
                if (c == '\\')
                    throw Error("an escape sequence"); // numpy never writes one
                s.Append(c);
            }
        }

        /// <summary>An integer (long); a negative one or a decimal fraction is returned too, for the shape check to
        /// refuse.</summary>
        private object Number()
        {
            int start = _at;
            if (text[_at] == '-')
                _at++;
            while (_at < text.Length && (char.IsAsciiDigit(text[_at]) || text[_at] == '.'))
                _at++;
            if (_at < text.Length && (char.IsAsciiLetter(text[_at]) || text[_at] == '_'))
                throw Error("a number numpy does not write");
            var digits = text.AsSpan(start, _at - start);
            if (long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
                return v;
            if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                return d;
            throw Error("a malformed or too large number");
        }

        private List<object> Tuple()
        {
            _at++;
            var items = new List<object>();
            bool comma = false;
            while (!Eat(')'))
            {
                items.Add(Value());
                comma = Eat(',');
                if (!comma)
                {
                    if (!Eat(')'))
                        throw Error("no ',' or ')'");
                    break;
                }
            }
            // "(5)" is the integer 5 in Python, not a tuple: numpy refuses it as a shape.
            if (items.Count == 1 && !comma)
                return [new object()];
            return items;
        }
    }
}
