// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Pipeline;

/// <summary>
/// Lets at most one decode-and-hash per processor run at a time, process-wide. Downloads are worth running
/// many at once (hashing.workers, -ThrottleLimit: they wait on the network), but more CPU-bound hashes
/// than cores only add context switches, cache misses and memory: with 16 workers on 2 cores the measured
/// hashing throughput dropped by a fifth. So workers download freely and queue here to hash.
/// </summary>
public static class CpuGate
{
    private static readonly SemaphoreSlim s_cores = new(Environment.ProcessorCount, Environment.ProcessorCount);

    /// <summary>Runs <paramref name="work"/> once a core is free.</summary>
    public static async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await s_cores.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work();
        }
        finally
        {
            s_cores.Release();
        }
    }
}
