// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.InteropServices;

namespace HashIndexer.Engine.Imaging;

/// <summary>
/// A full-size decode buffer in native memory, from a small pool that frees what it does not keep.
/// </summary>
/// <remarks>
/// Why not managed arrays: whole-image decodes (libturbojpeg) need one buffer of up to ~50 MB per core, and photo
/// sizes vary, so a pooled array often does not fit the next image; every such array then became Large Object Heap
/// garbage that the GC collects late (a corpus run allocated 750 MB instead of 250 MB and its peak working set
/// doubled). Native blocks are freed the moment the pool lets them go. The pool keeps at most one block per
/// processor (CpuGate runs at most that many decodes at once), preferring the larger ones, so a run of same-size
/// photos reuses its blocks and never touches fresh pages again.
/// </remarks>
internal sealed unsafe class NativePixelBuffer : IDisposable
{
    private const nuint Granularity = 1 << 20;
    private static readonly LargestBuffersPool<NativePixelBuffer> s_pool = new(b => (long)b.Capacity);

    private byte* _pointer;

    private NativePixelBuffer(nuint capacity)
    {
        _pointer = (byte*)NativeMemory.Alloc(capacity);
        Capacity = capacity;
    }

    /// <summary>Bytes this block holds (at least what was asked for).</summary>
    public nuint Capacity { get; }

    /// <summary>The first <paramref name="length"/> bytes of the block.</summary>
    public Span<byte> Span(int length)
    {
        ObjectDisposedException.ThrowIf(_pointer is null, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((nuint)length, Capacity);
        return new Span<byte>(_pointer, length);
    }

    /// <summary>A block of at least <paramref name="length"/> bytes (contents undefined); give it back with <see cref="Dispose"/>.</summary>
    public static NativePixelBuffer Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (s_pool.TakeSmallestFitting(length) is { } found)
        {
            return found;
        }
        // Rounded up to 1 MB so that photos of nearly the same size share blocks.
        return new NativePixelBuffer(((nuint)length + Granularity - 1) & ~(Granularity - 1));
    }

    /// <summary>Back to the pool, or freed: the pool keeps the largest blocks, one per processor at most.</summary>
    public void Dispose()
    {
        if (_pointer is null)
        {
            return;
        }
        s_pool.Keep(this)?.Free();
    }

    /// <summary>Frees every retained block (tests and benchmarks).</summary>
    public static void Trim()
    {
        foreach (NativePixelBuffer b in s_pool.TakeAll())
        {
            b.Free();
        }
    }

    private void Free()
    {
        NativeMemory.Free(_pointer);
        _pointer = null;
    }
}
