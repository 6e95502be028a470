// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer;

/// <summary>New-PresignedLinkIndex's result: what the run did (or, with -WhatIf, would do). Never holds a URL.</summary>
public sealed class LinkIndexSummary
{
    internal LinkIndexSummary(int total, int generated, int reused, int removed, string outputPath, string statePath,
        DateTimeOffset? expiresAt, TimeSpan duration, bool temporaryCredentials, DateTimeOffset? credentialExpiresAt, bool whatIf)
    {
        Total = total;
        Generated = generated;
        Reused = reused;
        Removed = removed;
        OutputPath = outputPath;
        StatePath = statePath;
        ExpiresAt = expiresAt;
        Duration = duration;
        TemporaryCredentials = temporaryCredentials;
        CredentialExpiresAt = credentialExpiresAt;
        WhatIf = whatIf;
    }

    /// <summary>Links in the links file: one per image listed.</summary>
    public int Total { get; }

    /// <summary>Links signed this run: new images, links about to expire (all of them with -Force).</summary>
    public int Generated { get; }

    /// <summary>Links kept from the previous run: valid for longer than links.refresh_margin_days.</summary>
    public int Reused { get; }

    /// <summary>Links of images no longer in the bucket, dropped.</summary>
    public int Removed { get; }

    /// <summary>The links file (owner read/write only on Linux and macOS).</summary>
    public string OutputPath { get; }

    /// <summary>The links state (links.state_path).</summary>
    public string StatePath { get; }

    /// <summary>The earliest expiry of a link in the file (UTC): run again before then. Null when there are no links.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>How long the run took.</summary>
    public TimeSpan Duration { get; }

    /// <summary>True when new links were signed with temporary credentials, which end their links when the session ends.</summary>
    public bool TemporaryCredentials { get; }

    /// <summary>When those temporary credentials expire, if known (UTC).</summary>
    public DateTimeOffset? CredentialExpiresAt { get; }

    /// <summary>True for a -WhatIf run: the counts are what a real run would do; nothing was signed or written.</summary>
    public bool WhatIf { get; }
}
