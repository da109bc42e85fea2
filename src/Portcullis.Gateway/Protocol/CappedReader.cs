using System.Buffers;

namespace Portcullis.Gateway.Protocol;

/// <summary>Reads a client's request body or an upstream's answer whole, but never more than a cap.</summary>
internal static class CappedReader
{
    /// <summary>Every byte of <paramref name="source"/>, through one pooled chunk; null once they pass <paramref name="limit"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }
}
