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
    private static readonly object s_lock = new();
    private static readonly List<NativePixelBuffer> s_retained = [];
    private static readonly int s_maxRetained = Math.Max(2, Environment.ProcessorCount);

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
        lock (s_lock)
        {
            // The smallest retained block that fits, so a small image does not take a big one.
            int best = -1;
            for (int i = 0; i < s_retained.Count; i++)
            {
                if (s_retained[i].Capacity >= (nuint)length && (best < 0 || s_retained[i].Capacity < s_retained[best].Capacity))
                {
                    best = i;
                }
            }
            if (best >= 0)
            {
                NativePixelBuffer found = s_retained[best];
                s_retained.RemoveAt(best);
                return found;
            }
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
        NativePixelBuffer? free = this;
        lock (s_lock)
        {
            if (s_retained.Count < s_maxRetained)
            {
                s_retained.Add(this);
                free = null;
            }
            else
            {
                int smallest = 0;
                for (int i = 1; i < s_retained.Count; i++)
                {
                    if (s_retained[i].Capacity < s_retained[smallest].Capacity)
                    {
                        smallest = i;
                    }
                }
                if (s_retained[smallest].Capacity < Capacity)
                {
                    free = s_retained[smallest];
                    s_retained[smallest] = this;
                }
            }
        }
        free?.Free();
    }

    /// <summary>Frees every retained block (tests and benchmarks).</summary>
    public static void Trim()
    {
        NativePixelBuffer[] all;
        lock (s_lock)
        {
            all = [.. s_retained];
            s_retained.Clear();
        }
        foreach (NativePixelBuffer b in all)
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
