// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;

namespace HashIndexer.Commands;

/// <summary>
/// Base of every HashIndexer cmdlet: one cancellation token per invocation (cancelled by Ctrl+C through
/// <see cref="StopProcessing"/>), the module's single sync-over-async bridge, and error-record helpers
/// so that ids, categories and targets are consistent across cmdlets.
/// </summary>
public abstract class HashIndexerCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    /// <inheritdoc />
    protected override void StopProcessing()
    {
        _cancellation.Cancel();
        base.StopProcessing();
    }

    /// <summary>
    /// The one place where async engine work is awaited synchronously. Engine code uses
    /// ConfigureAwait(false) throughout, so blocking the pipeline thread here cannot deadlock.
    /// A cancelled run surfaces as PipelineStoppedException, which is what PowerShell expects.
    /// </summary>
    protected T RunSync<T>(Func<CancellationToken, Task<T>> operation)
    {
        try
        {
            return operation(CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Walks an engine listing on the pipeline thread, one item at a time (through <see cref="RunSync{T}"/>),
    /// so that each item can be written as soon as it is listed.
    /// </summary>
    protected IEnumerable<T> EnumerateSync<T>(Func<CancellationToken, IAsyncEnumerable<T>> listing)
    {
        IAsyncEnumerator<T> enumerator = listing(CancellationToken).GetAsyncEnumerator(CancellationToken);
        try
        {
            while (RunSync(_ => enumerator.MoveNextAsync().AsTask()))
            {
                yield return enumerator.Current;
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A non-terminating error for one item: the run goes on with the next one.</summary>
    protected void WriteItemError(Exception exception, string errorId, ErrorCategory category, object? target)
    {
        WriteError(new ErrorRecord(exception, errorId, category, target));
    }

    /// <summary>A terminating error for a broken setup (bad configuration, missing bucket, ...).</summary>
    protected internal void ThrowSetupError(Exception exception, string errorId, ErrorCategory category, object? target)
    {
        ThrowTerminatingError(new ErrorRecord(exception, errorId, category, target));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the cancellation source; PowerShell disposes cmdlets that implement IDisposable.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            // Cancel first: work still running for this invocation (the cmdlet ended early) must stop.
            _cancellation.Cancel();
            _cancellation.Dispose();
        }
        _disposed = true;
    }
}
