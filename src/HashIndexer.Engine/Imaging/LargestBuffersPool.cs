// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Imaging;

/// <summary>
/// The retention rule both full-size buffer pools share: at most one buffer per processor (CpuGate runs at most that
/// many decodes at once), a rent takes the smallest retained buffer that fits (a small image does not take a big one),
/// and a full pool keeps the larger buffers, handing back the one it lets go so that its owner can free it.
/// </summary>
internal sealed class LargestBuffersPool<T>
    where T : class
{
    private readonly object _lock = new();
    private readonly List<T> _retained = [];
    private readonly Func<T, long> _size;
    private readonly int _max = Math.Max(2, Environment.ProcessorCount);

    public LargestBuffersPool(Func<T, long> size) => _size = size;

    /// <summary>The smallest retained buffer of at least <paramref name="length"/>, taken out of the pool; null when none fits.</summary>
    public T? TakeSmallestFitting(long length)
    {
        lock (_lock)
        {
            int best = -1;
            for (int i = 0; i < _retained.Count; i++)
            {
                if (_size(_retained[i]) >= length && (best < 0 || _size(_retained[i]) < _size(_retained[best])))
                {
                    best = i;
                }
            }
            if (best < 0)
            {
                return null;
            }
            T found = _retained[best];
            _retained.RemoveAt(best);
            return found;
        }
    }

    /// <summary>Keeps <paramref name="buffer"/> if there is room or it is larger than the smallest kept one; returns the buffer let go (null if none).</summary>
    public T? Keep(T buffer)
    {
        lock (_lock)
        {
            if (_retained.Count < _max)
            {
                _retained.Add(buffer);
                return null;
            }
            int smallest = 0;
            for (int i = 1; i < _retained.Count; i++)
            {
                if (_size(_retained[i]) < _size(_retained[smallest]))
                {
                    smallest = i;
                }
            }
            if (_size(_retained[smallest]) >= _size(buffer))
            {
                return buffer;
            }
            T dropped = _retained[smallest];
            _retained[smallest] = buffer;
            return dropped;
        }
    }

    /// <summary>Empties the pool and returns what it held (tests and benchmarks).</summary>
    public List<T> TakeAll()
    {
        lock (_lock)
        {
            List<T> all = [.. _retained];
            _retained.Clear();
            return all;
        }
    }
}
