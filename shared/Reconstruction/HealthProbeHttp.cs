using System.Text;

namespace FeatureInversion.Reconstruction;

/// <summary>
/// The little HTTP/1.1 that a container probe speaks (RFC 9112: request line, header fields, blank line): the
/// request head is parsed only as far as method and path, every answer is plain text with its length and
/// <c>Connection: close</c>. Anything that is not a well-formed GET or HEAD gets 400, 405 or 431, never an
/// exception.
/// </summary>
public static class HealthProbeHttp
{
    /// <summary>Most bytes of request head read; a longer head is answered 431 (RFC 6585).</summary>
    public const int MaxHeadBytes = 8192;

    /// <summary>What the head asks for: a path to answer, or the error status to answer instead.</summary>
    public readonly record struct Request(string? Path, bool Head, int ErrorStatus);

    /// <summary>Index just past the head's blank line in <paramref name="received"/>, or -1 while incomplete.
    /// Bare LF line ends are accepted (RFC 9112 §2.2).</summary>
    public static int HeadLength(ReadOnlySpan<byte> received)
    {
        for (int i = received.IndexOf((byte)'\n'); i >= 0; )
        {
            int next = received[(i + 1)..].IndexOf((byte)'\n');
            if (next < 0)
                return -1;
            int at = i + 1 + next;
            var between = received[(i + 1)..at];
            if (between.Length == 0 || (between.Length == 1 && between[0] == (byte)'\r'))
                return at + 1;
            i = at;
        }
        return -1;
    }

    /// <summary>Parses the request line of a complete head (what <see cref="HeadLength"/> found).</summary>
    public static Request Parse(ReadOnlySpan<byte> head)
    {
        int end = head.IndexOf((byte)'\n');
        var line = end < 0 ? head : head[..end];
        if (line.Length > 0 && line[^1] == (byte)'\r')
            line = line[..^1];
        // method SP request-target SP HTTP-version, nothing else (a probe sends nothing else)
        int first = line.IndexOf((byte)' ');
        int last = line.LastIndexOf((byte)' ');
        if (first <= 0 || last <= first + 1)
            return new(null, false, 400);
        var method = line[..first];
        var target = line[(first + 1)..last];
        var version = line[(last + 1)..];
        if (!version.SequenceEqual("HTTP/1.1"u8) && !version.SequenceEqual("HTTP/1.0"u8))
            return new(null, false, 400);
        if (target.IndexOf((byte)' ') >= 0 || target[0] != (byte)'/')
            return new(null, false, 400);
        foreach (byte b in target)
            if (b <= 0x20 || b >= 0x7F)
                return new(null, false, 400);
        bool isHead = method.SequenceEqual("HEAD"u8);
        if (!isHead && !method.SequenceEqual("GET"u8))
            return new(null, false, 405);
        int query = target.IndexOfAny((byte)'?', (byte)'#');
        return new(Encoding.ASCII.GetString(query < 0 ? target : target[..query]), isHead, 0);
    }

    /// <summary>The whole answer: status line, the three headers, and the body unless the request was HEAD.</summary>
    public static byte[] Response(int status, string body, bool head)
    {
        byte[] content = Encoding.UTF8.GetBytes(body);
        string reason = status switch
        {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "Status",
        };
        string allow = status == 405 ? "Allow: GET, HEAD\r\n" : "";
        byte[] start = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + $"Content-Length: {content.Length}\r\n{allow}Connection: close\r\n\r\n"
        );
        return head ? start : [.. start, .. content];
    }
}
