// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Buffers;

namespace HashIndexer.Engine.Imaging;

/// <summary>
/// Reusable pixel buffers. Full-size decode buffers (tens of MB for a 12 MP photo) are kept in a small bounded
/// pool sized to the number of processors, so that each worker reuses one buffer instead of allocating a new
/// Large Object Heap array per image. Small buffers go through <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
internal static class PixelBufferPool
{
    private const int LargeThreshold = 1 << 20;
    private static readonly LargestBuffersPool<byte[]> s_large = new(b => b.Length);

    /// <summary>A buffer of at least <paramref name="minimumLength"/> bytes (contents undefined).</summary>
    public static byte[] Rent(long minimumLength)
    {
        if (minimumLength > Array.MaxLength)
        {
            throw new InsufficientMemoryException("Pixel buffer larger than the largest possible array.");
        }
        int length = (int)minimumLength;
        if (length < LargeThreshold)
        {
            return ArrayPool<byte>.Shared.Rent(length);
        }
        if (s_large.TakeSmallestFitting(length) is { } found)
        {
            return found;
        }
        // Round up to 1 MB so that images of nearly the same size share buffers.
        long rounded = Math.Min(Array.MaxLength, ((long)length + LargeThreshold - 1) & ~(long)(LargeThreshold - 1));
        return GC.AllocateUninitializedArray<byte>((int)rounded);
    }

    public static void Return(byte[]? buffer)
    {
        if (buffer is null)
        {
            return;
        }
        if (buffer.Length < LargeThreshold)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        // A buffer the pool lets go is left to the GC.
        _ = s_large.Keep(buffer);
    }

    /// <summary>Drops every retained large buffer (tests and benchmarks).</summary>
    public static void Trim()
    {
        _ = s_large.TakeAll();
    }
}
