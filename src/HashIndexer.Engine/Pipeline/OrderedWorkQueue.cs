// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Pipeline;

/// <summary>
/// Runs submitted work on the thread pool with at most <c>maxParallel</c> items in flight, and hands
/// results back in submission order. PowerShell cmdlets must write from the pipeline thread only, so
/// the caller submits from ProcessRecord, then takes finished results (in order) and writes them
/// itself. Memory stays bounded: the caller blocks once <see cref="MaxQueued"/> items are pending.
/// </summary>
/// <typeparam name="TResult">The outcome of one item; failures are part of it, not exceptions.</typeparam>
public sealed class OrderedWorkQueue<TResult> : IDisposable
{
    private readonly Queue<Task<TResult>> _pending = new();
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _cancellationToken;

    public OrderedWorkQueue(int maxParallel, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallel, 1);
        MaxParallel = maxParallel;
        // Enough queued items to keep every worker busy while the pipeline thread writes results.
        MaxQueued = maxParallel * 4;
        _slots = new SemaphoreSlim(maxParallel, maxParallel);
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _cancellationToken = _cancellation.Token;
    }

    public int MaxParallel { get; }

    public int MaxQueued { get; }

    public int Count => _pending.Count;

    /// <summary>Queues one item. <paramref name="work"/> runs on a worker; it should catch its own item-level failures.</summary>
    public void Submit(Func<CancellationToken, Task<TResult>> work)
    {
        _pending.Enqueue(RunAsync(work));
    }

    /// <summary>
    /// Results to write now: finished ones in order, plus (blocking) the oldest ones while the queue is
    /// over its bound. Call after every Submit.
    /// </summary>
    public IEnumerable<TResult> TakeReady()
    {
        while (_pending.Count > 0 && (_pending.Peek().IsCompleted || _pending.Count >= MaxQueued))
        {
            yield return _pending.Dequeue().GetAwaiter().GetResult();
        }
    }

    /// <summary>Waits for everything still queued and yields it in order (EndProcessing).</summary>
    public IEnumerable<TResult> Drain()
    {
        while (_pending.Count > 0)
        {
            yield return _pending.Dequeue().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Cancels whatever is still queued or running (the cmdlet ended early: -ErrorAction Stop, a terminating
    /// error, Select-Object -First) and waits briefly for running items to notice, so none keeps downloading
    /// or hashing after the cmdlet has returned. The semaphore is left to the GC: items still unwinding may
    /// release it.
    /// </summary>
    public void Dispose()
    {
        _cancellation.Cancel();
        try
        {
            Task.WaitAll([.. _pending], TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Cancelled or failed items: their outcome is no longer wanted.
        }
        _pending.Clear();
        _cancellation.Dispose();
    }

    private async Task<TResult> RunAsync(Func<CancellationToken, Task<TResult>> work)
    {
        await _slots.WaitAsync(_cancellationToken).ConfigureAwait(false);
        try
        {
            // Task.Run: the caller is the pipeline thread; the work itself must not run on it.
            return await Task.Run(() => work(_cancellationToken), _cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }
}
