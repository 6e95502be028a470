// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Hashing;

namespace HashIndexer.Engine.Indexing;

/// <summary>The hashing step, shaped like <see cref="ImageHasher.Hash"/> so the cmdlet passes <c>hasher.Hash</c>. Called on worker threads.</summary>
public delegate ImageHashResult ImageHashFunction(ReadOnlyMemory<byte> encoded, HashRequest request, CancellationToken cancellationToken);

/// <summary>
/// Where a run tells its story. Called from worker threads: implementations must be thread-safe (the cmdlet queues
/// these and writes them from the pipeline thread).
/// </summary>
public interface IRunReporter
{
    void Verbose(string message);

    void Warning(string message);

    /// <summary>Progress of one activity; <paramref name="total"/> is known for both activities (jobs, images).</summary>
    void Progress(string activity, string status, long current, long total);

    /// <summary>One image could not be hashed. It is left out of index and state and retried next run.</summary>
    /// <param name="location">s3://bucket/key or the local path.</param>
    /// <param name="errorId">ImageDecodeFailed, ImageTruncated, ImageTooLarge, ImageFormatUnsupported, ImageReadFailed or ImageHashFailed.</param>
    /// <param name="message">Names the object and the cause.</param>
    /// <param name="exception">The cause.</param>
    void ItemFailed(string location, string errorId, string message, Exception? exception);
}

/// <summary>A reporter that drops everything.</summary>
public sealed class NullRunReporter : IRunReporter
{
    public static readonly NullRunReporter Instance = new();

    public void Verbose(string message)
    {
    }

    public void Warning(string message)
    {
    }

    public void Progress(string activity, string status, long current, long total)
    {
    }

    public void ItemFailed(string location, string errorId, string message, Exception? exception)
    {
    }
}

/// <summary>How to run.</summary>
public sealed record IndexUpdateOptions
{
    /// <summary>Ignore the state: hash every image (the state and index are then replaced).</summary>
    public bool Force { get; init; }

    /// <summary>List and compare only: no lock, no hashing, no file written. The summary lists what would be hashed and removed.</summary>
    public bool WhatIf { get; init; }

}

/// <summary>What a run did (or, with WhatIf, would do).</summary>
public sealed record IndexRunSummary
{
    public int Jobs { get; init; }

    /// <summary>Images listed (after max_jobs_to_process).</summary>
    public int Total { get; init; }

    public int New { get; init; }

    public int Changed { get; init; }

    public int Unchanged { get; init; }

    public int Deleted { get; init; }

    public int Failed { get; init; }

    /// <summary>Listed objects that are not images (url.txt, other extensions).</summary>
    public int Skipped { get; init; }

    /// <summary>Images hashed successfully this run.</summary>
    public int Hashed { get; init; }

    /// <summary>The first 10 failure messages.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    public TimeSpan Duration { get; init; }

    public string OutputPath { get; init; } = "";

    public string StatePath { get; init; } = "";

    /// <summary>Rows in the index written (or that would be written).</summary>
    public int IndexRows { get; init; }

    /// <summary>False when the index file already held exactly these bytes, or with WhatIf.</summary>
    public bool IndexWritten { get; init; }

    public bool WhatIf { get; init; }

    /// <summary>WhatIf: keys that would be hashed (new and changed), in key order.</summary>
    public IReadOnlyList<string> ToHash { get; init; } = [];

    /// <summary>WhatIf: keys that would be removed, in key order.</summary>
    public IReadOnlyList<string> ToRemove { get; init; } = [];
}
