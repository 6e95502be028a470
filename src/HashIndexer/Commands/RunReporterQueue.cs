// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Runtime.ExceptionServices;
using HashIndexer.Engine.Indexing;

namespace HashIndexer.Commands;

/// <summary>
/// Runs a long engine operation (Update-HashIndex, New-PresignedLinkIndex) on the thread pool while the
/// pipeline thread writes what it reports: PowerShell allows Write* only on the pipeline thread, and the
/// engine reports from its workers. Whatever happens on the pipeline side (Ctrl+C, -ErrorAction Stop
/// turning a WriteError into an exception, a closed pipeline), the engine is cancelled and awaited
/// before the cmdlet goes on, so it can save its checkpoint and release its lock, and nothing it still
/// uses (the S3 client, this queue) is disposed under it.
/// </summary>
internal sealed class RunReporterQueue : IRunReporter, IDisposable
{
    private readonly BlockingCollection<Action<HashIndexerCmdlet>> _messages = new();
    private readonly Dictionary<string, int> _activityIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _lastProgress = new(StringComparer.Ordinal);
    private readonly int _firstActivityId;

    /// <param name="firstActivityId">Progress activity ids start here: stable per activity name, so bars update in place.</param>
    public RunReporterQueue(int firstActivityId) => _firstActivityId = firstActivityId;

    public void Verbose(string message) => Post(c => c.WriteVerbose(message));

    public void Warning(string message) => Post(c => c.WriteWarning(message));

    public void Progress(string activity, string status, long current, long total)
    {
        // The engine reports every image; a host keeps every progress record it is given, so at most about
        // four per second per activity are passed on (and always the last one, which completes the bar).
        long now = Environment.TickCount64;
        bool last = total > 0 && current >= total;
        if (!last && _lastProgress.TryGetValue(activity, out long previous) && now - previous < 250)
        {
            return;
        }
        _lastProgress[activity] = now;
        Post(c =>
        {
            var record = new ProgressRecord(ActivityId(activity), activity, status)
            {
                PercentComplete = total > 0 ? (int)Math.Clamp(current * 100 / total, 0, 100) : -1,
            };
            if (total > 0 && current >= total)
            {
                record.RecordType = ProgressRecordType.Completed;
            }
            c.WriteProgress(record);
        });
    }

    public void ItemFailed(string location, string errorId, string message, Exception? exception)
    {
        Post(c =>
        {
            Exception cause = exception ?? new InvalidOperationException(message);
            var record = new ErrorRecord(cause, errorId, ErrorRecords.Classify(cause).Category, location)
            {
                ErrorDetails = new ErrorDetails(message),
            };
            c.WriteError(record);
        });
    }

    /// <summary>
    /// Starts <paramref name="operation"/> with a token cancelled by Ctrl+C or by a failure to write,
    /// writes its reports until it ends, and returns its result. A write failure (PipelineStoppedException,
    /// ActionPreferenceStopException) is rethrown only after the operation has finished.
    /// </summary>
    public T Run<T>(HashIndexerCmdlet cmdlet, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<T> work = Task.Run(() => operation(linked.Token), CancellationToken.None);
        _ = work.ContinueWith(_ => _messages.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

        ExceptionDispatchInfo? writeFailure = null;
        foreach (Action<HashIndexerCmdlet> write in _messages.GetConsumingEnumerable(CancellationToken.None))
        {
            if (writeFailure is not null)
            {
                continue; // the pipeline is gone: drain without writing until the engine has unwound
            }
            try
            {
                write(cmdlet);
            }
            catch (Exception ex)
            {
                writeFailure = ExceptionDispatchInfo.Capture(ex);
                linked.Cancel();
            }
        }

        if (writeFailure is not null)
        {
            try
            {
                work.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // Cancelled because the pipeline failed; that failure is the one to report.
            }
            writeFailure.Throw();
        }

        foreach (KeyValuePair<string, int> activity in _activityIds)
        {
            cmdlet.WriteProgress(new ProgressRecord(activity.Value, activity.Key, "Done") { RecordType = ProgressRecordType.Completed });
        }
        return work.GetAwaiter().GetResult();
    }

    public void Dispose() => _messages.Dispose();

    /// <summary>Queues a write; after the run has ended (or the queue is gone) reports are dropped, never thrown into engine threads.</summary>
    private void Post(Action<HashIndexerCmdlet> write)
    {
        try
        {
            _messages.TryAdd(write);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Adding completed: the run is over and nobody reads any more.
        }
    }

    private int ActivityId(string activity)
    {
        if (!_activityIds.TryGetValue(activity, out int id))
        {
            id = _firstActivityId + _activityIds.Count;
            _activityIds[activity] = id;
        }
        return id;
    }
}
