// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer;

/// <summary>What one Update-HashIndex run did (or, with -WhatIf, would do).</summary>
public sealed class IndexUpdateSummary
{
    /// <summary>Images listed (after max_jobs_to_process).</summary>
    public int Total { get; init; }

    /// <summary>Images not in the state before: hashed this run.</summary>
    public int New { get; init; }

    /// <summary>Images whose ETag changed: hashed again.</summary>
    public int Changed { get; init; }

    /// <summary>Images skipped because their ETag is the one already hashed.</summary>
    public int Unchanged { get; init; }

    /// <summary>Images no longer in the bucket: their rows and state were removed.</summary>
    public int Deleted { get; init; }

    /// <summary>Images that could not be hashed; left out of index and state, retried on the next run.</summary>
    public int Failed { get; init; }

    /// <summary>Listed objects that are not images (url.txt, other extensions).</summary>
    public int Skipped { get; init; }

    /// <summary>The first 10 failure messages.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The index file (.csv or .parquet).</summary>
    public string OutputPath { get; init; } = string.Empty;

    /// <summary>The state file.</summary>
    public string StatePath { get; init; } = string.Empty;

    /// <summary>Jobs listed.</summary>
    public int Jobs { get; init; }

    /// <summary>Rows in the index.</summary>
    public int IndexRows { get; init; }

    /// <summary>True for a -WhatIf run: nothing was written.</summary>
    public bool WhatIf { get; init; }
}
