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
    private static readonly object s_lock = new();
    private static readonly List<byte[]> s_large = [];
    private static readonly int s_maxRetained = Math.Max(2, Environment.ProcessorCount);

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
        lock (s_lock)
        {
            // The smallest retained buffer that fits, so a small image does not take a big one.
            int best = -1;
            for (int i = 0; i < s_large.Count; i++)
            {
                if (s_large[i].Length >= length && (best < 0 || s_large[i].Length < s_large[best].Length))
                {
                    best = i;
                }
            }
            if (best >= 0)
            {
                byte[] found = s_large[best];
                s_large.RemoveAt(best);
                return found;
            }
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
        lock (s_lock)
        {
            if (s_large.Count < s_maxRetained)
            {
                s_large.Add(buffer);
                return;
            }
            // Keep the larger buffers: replace the smallest retained one if this one is bigger.
            int smallest = 0;
            for (int i = 1; i < s_large.Count; i++)
            {
                if (s_large[i].Length < s_large[smallest].Length)
                {
                    smallest = i;
                }
            }
            if (s_large[smallest].Length < buffer.Length)
            {
                s_large[smallest] = buffer;
            }
        }
    }

    /// <summary>Drops every retained large buffer (tests and benchmarks).</summary>
    public static void Trim()
    {
        lock (s_lock)
        {
            s_large.Clear();
        }
    }
}
