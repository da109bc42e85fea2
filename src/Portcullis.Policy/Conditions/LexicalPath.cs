using System.Buffers;
using System.Text.Unicode;

namespace Portcullis.Policy.Conditions;

/// <summary>
/// Normalises a file path as text, without touching a file system, for <c>path_under</c> and
/// <c>path_not_under</c>: percent-decoded once, <c>\</c> read as <c>/</c>, repeated separators
/// collapsed, <c>.</c> removed and <c>..</c> resolved, giving <c>/a/b</c> (or <c>/</c>). Whatever
/// could make the path mean something else to the server that opens it is refused instead, with
/// a problem that names it: a relative path, one that climbs above <c>/</c>, control characters,
/// a path still percent-encoded after one decoding, a segment of dots and spaces other than
/// <c>.</c> and <c>..</c>, or a character that some systems convert to a slash or a dot.
/// </summary>
internal static class LexicalPath
{
    public const string Empty = "the path is empty";
    public const string Relative = "the path is relative (it does not start with '/')";
    public const string Tilde = "the path starts with '~', which is not expanded";
    public const string NetworkShare = "the path starts with two separators, which can name a network share";
    public const string ClimbsAboveRoot = "the path climbs above /";
    public const string ControlCharacter = "the path contains a control character";
    public const string DoubleEncoded = "the path is still percent-encoded after decoding it once";
    public const string InvalidEncoding = "the path's percent-encoding is not UTF-8";
    public const string Lookalike = "the path contains a character that some systems convert to '/', '\\' or '.'";
    public const string DotSegment = "the path has a segment of only dots and spaces, which some systems read as '..'";
    public const string DotDotInRoot = "a root may not contain '..'";

    /// <summary>Paths up to this length are normalised on the stack.</summary>
    private const int StackLimit = 256;

    /// <summary>Normalises a root at compile time; null with a problem when it is not usable.</summary>
    public static string? NormalizeRoot(string root, out string? problem)
    {
        // A root is written by the operator: '..' in it is a mistake, not something to resolve.
        foreach (var segment in root.Split('/', '\\'))
        {
            if (segment == "..")
            {
                problem = DotDotInRoot;
                return null;
            }
        }

        return Normalize(root, out problem);
    }

    /// <summary>The normalised path as a string, or null with a problem.</summary>
    public static string? Normalize(string path, out string? problem)
    {
        char[]? rented = null;
        var buffer = path.Length <= StackLimit ? stackalloc char[2 * StackLimit] : (rented = ArrayPool<char>.Shared.Rent(2 * path.Length));
        try
        {
            problem = TryNormalize(path, buffer, out var normalized);
            return problem is null ? new string(normalized) : null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> normalises to one of <paramref name="roots"/> (already normalised)
    /// or somewhere inside one, compared by whole segments, ordinally. Null with a problem when the
    /// path is refused.
    /// </summary>
    public static bool? IsUnder(string path, string[] roots, out string? problem)
    {
        char[]? rented = null;
        var buffer = path.Length <= StackLimit ? stackalloc char[2 * StackLimit] : (rented = ArrayPool<char>.Shared.Rent(2 * path.Length));
        try
        {
            problem = TryNormalize(path, buffer, out var normalized);
            if (problem is not null)
            {
                return null;
            }

            foreach (var root in roots)
            {
                if (IsUnder(normalized, root))
                {
                    return true;
                }
            }

            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Whether a normalised path is the normalised <paramref name="root"/> or inside it.</summary>
    public static bool IsUnder(ReadOnlySpan<char> normalized, string root) =>
        root.Length == 1
        || (normalized.StartsWith(root, StringComparison.Ordinal) && (normalized.Length == root.Length || normalized[root.Length] == '/'));

    /// <summary>
    /// Normalises <paramref name="path"/> using <paramref name="buffer"/> (at least twice its
    /// length); returns the problem, or null with <paramref name="normalized"/> a slice of the buffer.
    /// </summary>
    private static string? TryNormalize(ReadOnlySpan<char> path, Span<char> buffer, out ReadOnlySpan<char> normalized)
    {
        normalized = default;
        var decoded = buffer[..path.Length];
        var output = buffer[path.Length..(2 * path.Length)];
        if (Decode(path, decoded, out var length) is { } decodeProblem)
        {
            return decodeProblem;
        }

        decoded = decoded[..length];
        if (decoded.IsEmpty)
        {
            return Empty;
        }

        for (var i = 0; i < decoded.Length; i++)
        {
            if (char.IsControl(decoded[i]))
            {
                return ControlCharacter;
            }

            if (IsLookalike(decoded[i]))
            {
                return Lookalike;
            }

            if (decoded[i] == '%' && i + 2 < decoded.Length && char.IsAsciiHexDigit(decoded[i + 1]) && char.IsAsciiHexDigit(decoded[i + 2]))
            {
                return DoubleEncoded;
            }
        }

        if (decoded[0] == '~')
        {
            return Tilde;
        }

        if (!IsSeparator(decoded[0]))
        {
            return Relative;
        }

        if (decoded.Length > 1 && IsSeparator(decoded[1]))
        {
            return NetworkShare;
        }

        // Every segment copied to the output was preceded by at least one separator, so it fits.
        var written = 0;
        var position = 0;
        while (position < decoded.Length)
        {
            while (position < decoded.Length && IsSeparator(decoded[position]))
            {
                position++;
            }

            var start = position;
            while (position < decoded.Length && !IsSeparator(decoded[position]))
            {
                position++;
            }

            var segment = decoded[start..position];
            if (segment.IsEmpty || segment is ".")
            {
                continue;
            }

            if (segment is "..")
            {
                if (written == 0)
                {
                    return ClimbsAboveRoot;
                }

                written = output[..written].LastIndexOf('/');
                continue;
            }

            if (segment.IndexOfAnyExcept('.', ' ') < 0)
            {
                return DotSegment;
            }

            output[written++] = '/';
            segment.CopyTo(output[written..]);
            written += segment.Length;
        }

        if (written == 0)
        {
            output[written++] = '/';
        }

        normalized = output[..written];
        return null;
    }

    /// <summary>Decodes every <c>%XX</c> once, as UTF-8; a <c>%</c> not followed by two hex digits stays as it is.</summary>
    private static string? Decode(ReadOnlySpan<char> path, Span<char> destination, out int length)
    {
        length = 0;
        if (!path.Contains('%'))
        {
            path.CopyTo(destination);
            length = path.Length;
            return null;
        }

        Span<byte> bytes = stackalloc byte[64];
        var i = 0;
        while (i < path.Length)
        {
            if (!IsEscape(path, i))
            {
                destination[length++] = path[i++];
                continue;
            }

            // A run of escapes is one UTF-8 sequence of bytes; decode it in chunks that end between characters.
            var count = 0;
            while (IsEscape(path, i))
            {
                bytes[count++] = (byte)((HexValue(path[i + 1]) << 4) | HexValue(path[i + 2]));
                i += 3;
                if (count == bytes.Length || !IsEscape(path, i))
                {
                    var status = Utf8.ToUtf16(bytes[..count], destination[length..], out var read, out var chars,
                        replaceInvalidSequences: false, isFinalBlock: !IsEscape(path, i));
                    length += chars;
                    if (status == System.Buffers.OperationStatus.InvalidData)
                    {
                        return InvalidEncoding;
                    }

                    // An incomplete sequence at the end of a full chunk carries over to the next one.
                    bytes[read..count].CopyTo(bytes);
                    count -= read;
                }
            }

            if (count != 0)
            {
                return InvalidEncoding;
            }
        }

        return null;
    }

    private static bool IsEscape(ReadOnlySpan<char> path, int i) =>
        i + 2 < path.Length && path[i] == '%' && char.IsAsciiHexDigit(path[i + 1]) && char.IsAsciiHexDigit(path[i + 2]);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static bool IsSeparator(char c) => c is '/' or '\\';

    /// <summary>Fullwidth and mathematical slashes and dots, which Windows' best-fit conversion turns into the ASCII ones.</summary>
    private static bool IsLookalike(char c) =>
        c is '\uFF0F' or '\uFF3C' or '\uFF0E' or '\u2215' or '\u2216' or '\u2044' or '\u29F5' or '\uFE68' or '\u2024';
}
