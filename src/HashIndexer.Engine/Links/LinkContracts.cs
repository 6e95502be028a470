// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Links;

/// <summary>One presigned link: a row of the links file and a record of the links state.</summary>
/// <param name="Key">The S3 key (the links file's image_name).</param>
/// <param name="Url">The presigned GET URL. A bearer secret: never logged, only written to the owner-only files.</param>
/// <param name="GeneratedAt">The signing time (UTC, whole seconds): the URL's X-Amz-Date.</param>
/// <param name="ExpiresAt">When the link stops working: signing time + expiry, or earlier when the signing credentials end first (UTC).</param>
/// <param name="ETag">The object's ETag when the link was made or last confirmed (unquoted).</param>
public sealed record LinkRecord(string Key, string Url, DateTimeOffset GeneratedAt, DateTimeOffset ExpiresAt, string ETag);

/// <summary>How to run <see cref="LinkIndexer"/>.</summary>
public sealed record LinkIndexOptions
{
    /// <summary>Ignore the links state: sign every image again.</summary>
    public bool Force { get; init; }

    /// <summary>List and compare only: no lock, no signing, no credentials resolved, no file written.</summary>
    public bool WhatIf { get; init; }
}

/// <summary>What a links run did (or, with WhatIf, would do).</summary>
public sealed record LinkRunSummary
{
    /// <summary>Links in the links file (one per listed image).</summary>
    public int Total { get; init; }

    /// <summary>Links signed this run: new images, links about to expire, everything with Force.</summary>
    public int Generated { get; init; }

    /// <summary>Links kept from the state: valid for longer than the refresh margin.</summary>
    public int Reused { get; init; }

    /// <summary>Links of images no longer listed, dropped from file and state.</summary>
    public int Removed { get; init; }

    /// <summary>The links file (absolute).</summary>
    public string OutputPath { get; init; } = "";

    /// <summary>The links state (absolute).</summary>
    public string StatePath { get; init; } = "";

    /// <summary>The earliest expires_at in the file; null when it has no links.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>True when the links were signed with temporary credentials (a session token).</summary>
    public bool TemporaryCredentials { get; init; }

    /// <summary>When the signing credentials expire, if they are temporary and that is known.</summary>
    public DateTimeOffset? CredentialExpiresAt { get; init; }

    /// <summary>False when the links file already held exactly these bytes, or with WhatIf.</summary>
    public bool OutputWritten { get; init; }

    public bool WhatIf { get; init; }

    public TimeSpan Duration { get; init; }
}
