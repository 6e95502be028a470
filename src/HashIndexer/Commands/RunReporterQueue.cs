// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Collections.Concurrent;
using System.Management.Automation;
using HashIndexer.Engine.Indexing;

namespace HashIndexer.Commands;

/// <summary>
/// The engine reports from worker threads; PowerShell allows Write* only on the pipeline thread. This
/// queue takes the engine's messages anywhere and <see cref="Pump"/> writes them from the pipeline
/// thread while the engine task runs.
/// </summary>
internal sealed class RunReporterQueue : IRunReporter, IDisposable
{
    private readonly BlockingCollection<Action<HashIndexerCmdlet>> _messages = new();
    private readonly Dictionary<string, int> _activityIds = new(StringComparer.Ordinal);
    private readonly int _firstActivityId;

    /// <param name="firstActivityId">Progress activity ids start here: stable per activity name, so bars update in place.</param>
    public RunReporterQueue(int firstActivityId) => _firstActivityId = firstActivityId;

    public void Verbose(string message) => _messages.Add(c => c.WriteVerbose(message));

    public void Warning(string message) => _messages.Add(c => c.WriteWarning(message));

    public void Progress(string activity, string status, long current, long total)
    {
        _messages.Add(c =>
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
        _messages.Add(c =>
        {
            var record = new ErrorRecord(exception ?? new InvalidOperationException(message), errorId, ErrorRecords.Classify(exception ?? new InvalidOperationException()).Category, location)
            {
                ErrorDetails = new ErrorDetails(message),
            };
            c.WriteError(record);
        });
    }

    /// <summary>Writes queued messages until <paramref name="work"/> ends, then the rest; returns its result.</summary>
    public T Pump<T>(HashIndexerCmdlet cmdlet, Task<T> work)
    {
        _ = work.ContinueWith(_ => _messages.CompleteAdding(), TaskScheduler.Default);
        foreach (Action<HashIndexerCmdlet> write in _messages.GetConsumingEnumerable())
        {
            write(cmdlet);
        }
        foreach (string activity in _activityIds.Keys)
        {
            cmdlet.WriteProgress(new ProgressRecord(_activityIds[activity], activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        return work.GetAwaiter().GetResult();
    }

    public void Dispose() => _messages.Dispose();

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
