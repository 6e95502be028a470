// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.Output;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Links;

/// <summary>
/// New-PresignedLinkIndex: a presigned GET URL for every image of the bucket, kept in links.state_path and written to
/// links.output; a rerun signs only what is new or about to expire.
/// </summary>
/// <remarks>
/// <para><b>Which images.</b> The bucket is listed exactly as Update-HashIndex lists it (<see cref="IImageSource.ListJobsAsync"/>
/// then <see cref="IImageSource.ListImagesAsync"/>: the job folders under s3.root_prefix, s3.max_jobs_to_process, the
/// hashing.image_extensions filter). The alternative, the keys of the current hash index, was not chosen: the links would
/// lag the bucket by however old the index is (a deleted photo would keep a link to a 404, a new one would have none), and
/// the command would depend on an index that may not exist yet or may be a local-folder index. Listing costs one request
/// per 1,000 keys, far less than the index run that precedes it; a key listed here and in the index is the same string.</para>
/// <para><b>Reuse.</b> A link in the state is kept when it stays valid for longer than links.refresh_margin_days and was made
/// for the same bucket, region, endpoint and expiry (the state header's settings); otherwise it is signed again. Images no
/// longer listed are dropped. Force signs everything again. A changed ETag keeps the link (a URL names a key, not a version)
/// and updates the state's ETag.</para>
/// <para><b>Expiry.</b> Signed at the injected clock's time, truncated to the second (X-Amz-Date), for links.expiry_days (SigV4
/// allows 7 days at most). A URL signed with temporary credentials stops working when their session ends: expires_at is then
/// the earlier of the two when the credentials' expiry is known, and a warning says so.</para>
/// <para><b>Files.</b> State first, then the links file, each replaced atomically through a temp file that is created with mode
/// 0600 on Linux and macOS (both hold URLs, which are bearer secrets). One run per state (<see cref="StateLock"/>). URLs never go
/// to the reporter.</para>
/// </remarks>
public sealed class LinkIndexer
{
    private const int ProgressEvery = 256;
    private readonly LinksSettings _links;
    private readonly string _bucket;
    private readonly IImageSource _source;
    private readonly LinkSigner _signer;
    private readonly IRunReporter _reporter;
    private readonly TimeProvider _clock;

    /// <summary>Creates the run. Throws <see cref="ConfigurationException"/> for settings SigV4 or the refresh rule cannot honour.</summary>
    /// <param name="links">links.*: expiry, margin, workers, output and state paths (both required).</param>
    /// <param name="bucket">The bucket the listed keys are in.</param>
    /// <param name="source">The bucket's listing (an <see cref="S3ImageSource"/> in production).</param>
    /// <param name="signer">Credentials, region and endpoint to sign with.</param>
    /// <param name="reporter">Verbose, warnings and progress: never URLs.</param>
    /// <param name="clock">The signing clock (tests advance it).</param>
    public LinkIndexer(LinksSettings links, string bucket, IImageSource source, LinkSigner signer, IRunReporter? reporter = null, TimeProvider? clock = null)
    {
        _links = links ?? throw new ArgumentNullException(nameof(links));
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        _bucket = bucket;
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _signer = signer ?? throw new ArgumentNullException(nameof(signer));
        _reporter = reporter ?? NullRunReporter.Instance;
        _clock = clock ?? TimeProvider.System;
        Validate(links);
    }

    /// <summary>The links' lifetime: links.expiry_days in whole seconds.</summary>
    public TimeSpan Expiry => ExpiryOf(_links);

    /// <summary>The links file (absolute).</summary>
    public string OutputPath => Path.GetFullPath(_links.OutputFilePath!);

    /// <summary>The links state (absolute).</summary>
    public string StatePath => Path.GetFullPath(_links.StatePath!);

    /// <summary>Links expiring within this are signed again.</summary>
    public TimeSpan RefreshMargin => TimeSpan.FromSeconds(Math.Round(_links.RefreshMarginDays * 86_400));

    /// <summary>
    /// The checks the config loader makes, again, for settings changed after loading (-ExpiryDays): expiry 1 second to
    /// 7 days (the SigV4 limit), margin below the expiry, output and state paths set, workers 1 or more.
    /// </summary>
    public static void Validate(LinksSettings links)
    {
        ArgumentNullException.ThrowIfNull(links);
        string days = links.ExpiryDays.ToString(CultureInfo.InvariantCulture);
        if (double.IsNaN(links.ExpiryDays) || links.ExpiryDays <= 0 || links.ExpiryDays > LinksSettings.MaxExpiryDays || ExpiryOf(links) < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException("links.expiry_days", days,
                "between 0 and 7: S3 presigned URLs (SigV4) are valid for at most 7 days (604800 seconds), and at least 1 second");
        }
        if (double.IsNaN(links.RefreshMarginDays) || links.RefreshMarginDays < 0 || links.RefreshMarginDays >= links.ExpiryDays)
        {
            throw new ConfigurationException("links.refresh_margin_days", links.RefreshMarginDays.ToString(CultureInfo.InvariantCulture),
                $"0 or more and less than links.expiry_days ({days}): lower the margin or raise the expiry");
        }
        if (string.IsNullOrEmpty(links.OutputPath))
        {
            throw new ConfigurationException("links.output.path", null, "missing: the links file to write (e.g. ./output/links)");
        }
        if (string.IsNullOrEmpty(links.StatePath))
        {
            throw new ConfigurationException("links.state_path", null, "missing: the links state that makes reruns incremental (e.g. ./output/links_state.json)");
        }
        if (links.Workers < 1)
        {
            throw new ConfigurationException("links.workers", links.Workers.ToString(CultureInfo.InvariantCulture), "1 or more");
        }
    }

    /// <summary>Runs once. Throws <see cref="StateLockedException"/> when another run holds the links state,
    /// InvalidDataException for an unreadable state (unless Force), S3 exceptions for listing failures.</summary>
    public async Task<LinkRunSummary> RunAsync(LinkIndexOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LinkIndexOptions();
        long started = _clock.GetTimestamp();
        string statePath = StatePath;
        string outputPath = OutputPath;
        StateLock? stateLock = null;
        try
        {
            if (!options.WhatIf)
            {
                stateLock = StateLock.Acquire(statePath, _clock.GetUtcNow());
                int stale = AtomicFile.DeleteStaleTemps(statePath) + AtomicFile.DeleteStaleTemps(outputPath);
                if (stale > 0)
                {
                    _reporter.Verbose($"Removed {stale} temporary file(s) left by an interrupted run.");
                }
            }

            string settings = Settings();
            Dictionary<string, LinkRecord> previous = await LoadStateAsync(statePath, settings, options, cancellationToken).ConfigureAwait(false);
            Dictionary<string, ImageObject> images = await ListAsync(cancellationToken).ConfigureAwait(false);

            // Whole seconds: X-Amz-Date has no fraction, and generated_at must be the signing time exactly.
            DateTimeOffset now = Truncate(_clock.GetUtcNow());
            TimeSpan margin = RefreshMargin;
            var keep = new List<LinkRecord>();
            var sign = new List<ImageObject>();
            foreach (ImageObject image in images.Values)
            {
                if (previous.TryGetValue(image.Key, out LinkRecord? old) && old.ExpiresAt - now > margin)
                {
                    keep.Add(old.ETag == image.ETag ? old : old with { ETag = image.ETag });
                }
                else
                {
                    sign.Add(image);
                }
            }
            int removed = previous.Keys.Count(k => !images.ContainsKey(k));
            int expiring = sign.Count(i => previous.ContainsKey(i.Key));
            _reporter.Verbose(string.Create(CultureInfo.InvariantCulture,
                $"{images.Count} images: {keep.Count} links valid for more than {margin.TotalDays:0.###} days are kept, {sign.Count - expiring} new and {expiring} expiring links to sign, {removed} links of deleted images to drop."));

            if (options.WhatIf)
            {
                DateTimeOffset? earliest = keep.Select(l => (DateTimeOffset?)l.ExpiresAt).Append(sign.Count > 0 ? now + Expiry : null).Min();
                return new LinkRunSummary
                {
                    Total = images.Count, Generated = sign.Count, Reused = keep.Count, Removed = removed,
                    OutputPath = outputPath, StatePath = statePath, ExpiresAt = earliest, WhatIf = true,
                    Duration = _clock.GetElapsedTime(started),
                };
            }

            SigningCredentials? credentials = null;
            DateTimeOffset expiresAt = now + Expiry;
            if (sign.Count > 0)
            {
                credentials = await _signer.ResolveCredentialsAsync(Expiry, cancellationToken).ConfigureAwait(false);
                expiresAt = EffectiveExpiry(credentials, now);
            }
            List<LinkRecord> signed = Sign(sign, credentials, now, expiresAt, cancellationToken);

            var all = new List<LinkRecord>(keep.Count + signed.Count);
            all.AddRange(keep);
            all.AddRange(signed);
            all.Sort((a, b) => KeyComparer.Instance.Compare(a.Key, b.Key));

            cancellationToken.ThrowIfCancellationRequested();
            await LinkStateStore.WriteAsync(statePath, settings, all, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            bool written = await LinkIndexFile.WriteAsync(_links.OutputTarget, outputPath, all, cancellationToken).ConfigureAwait(false);
            _reporter.Verbose(written
                ? $"Wrote {all.Count} links to {outputPath} (owner read/write only) and the links state to {statePath}."
                : $"The links file {outputPath} already held these {all.Count} links: left as it was. State saved to {statePath}.");

            return new LinkRunSummary
            {
                Total = all.Count,
                Generated = signed.Count,
                Reused = keep.Count,
                Removed = removed,
                OutputPath = outputPath,
                StatePath = statePath,
                ExpiresAt = all.Count == 0 ? null : all.Min(l => l.ExpiresAt),
                TemporaryCredentials = credentials?.SessionToken is { Length: > 0 },
                CredentialExpiresAt = credentials?.SessionToken is { Length: > 0 } ? credentials.Expiration : null,
                OutputWritten = written,
                Duration = _clock.GetElapsedTime(started),
            };
        }
        finally
        {
            stateLock?.Dispose();
        }
    }

    /// <summary>Where links point and for how long; a state made for other settings is not reused.</summary>
    private string Settings() => string.Create(CultureInfo.InvariantCulture,
        $"bucket={_bucket};{_signer.Target};expiry_seconds={(long)Expiry.TotalSeconds}");

    private static TimeSpan ExpiryOf(LinksSettings links) =>
        double.IsFinite(links.ExpiryDays) && links.ExpiryDays > 0 && links.ExpiryDays <= LinksSettings.MaxExpiryDays
            ? TimeSpan.FromSeconds(Math.Round(links.ExpiryDays * 86_400))
            : TimeSpan.Zero;

    private static DateTimeOffset Truncate(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>now + expiry, or the temporary credentials' end when that comes first; warns about temporary credentials.</summary>
    private DateTimeOffset EffectiveExpiry(SigningCredentials credentials, DateTimeOffset now)
    {
        DateTimeOffset linkExpiry = now + Expiry;
        if (string.IsNullOrEmpty(credentials.SessionToken))
        {
            return linkExpiry;
        }
        string days = _links.ExpiryDays.ToString(CultureInfo.InvariantCulture);
        if (credentials.Expiration is not DateTimeOffset sessionEnd)
        {
            _reporter.Warning($"The links are signed with temporary credentials (a session token) whose expiry is not known: every link stops working when that session ends, possibly long before the {days}-day expiry recorded in expires_at. Sign with long-term credentials (an IAM user's keys) for links that last the full {days} days.");
            return linkExpiry;
        }
        if (sessionEnd >= linkExpiry)
        {
            return linkExpiry;
        }
        DateTimeOffset effective = Truncate(sessionEnd);
        _reporter.Warning(string.Create(CultureInfo.InvariantCulture,
            $"The links are signed with temporary credentials (SSO, assumed role or session token) that expire at {effective.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z: every new link stops working then, not after {days} days. expires_at records that time, so the next run renews them. Sign with long-term credentials for links that last the full {days} days."));
        if (effective - now <= RefreshMargin)
        {
            _reporter.Warning($"The credentials' session ends within links.refresh_margin_days: every run will sign every link again.");
        }
        return effective;
    }

    private List<LinkRecord> Sign(List<ImageObject> images, SigningCredentials? credentials, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken ct)
    {
        if (images.Count == 0)
        {
            return [];
        }
        var result = new LinkRecord[images.Count];
        int done = 0;
        var po = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _links.Workers), CancellationToken = ct };
        Parallel.For(0, images.Count, po, i =>
        {
            ImageObject image = images[i];
            Uri url = _signer.Sign(credentials!, _bucket, image.Key, now, Expiry);
            result[i] = new LinkRecord(image.Key, url.AbsoluteUri, now, expiresAt, image.ETag);
            int n = Interlocked.Increment(ref done);
            if (n % ProgressEvery == 0 || n == images.Count)
            {
                _reporter.Progress("Signing links", $"{n} of {images.Count} links signed", n, images.Count);
            }
        });
        return [.. result];
    }

    private async Task<Dictionary<string, LinkRecord>> LoadStateAsync(string statePath, string settings, LinkIndexOptions options, CancellationToken ct)
    {
        LinkStateSnapshot? snap;
        try
        {
            snap = await LinkStateStore.ReadAsync(statePath, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException ex) when (options.Force)
        {
            _reporter.Warning($"{ex.Message} -Force: it is replaced.");
            return new(StringComparer.Ordinal);
        }
        if (snap is null)
        {
            _reporter.Verbose($"No links state at {statePath}: every link is new.");
            return new(StringComparer.Ordinal);
        }
        if (options.Force)
        {
            _reporter.Verbose($"-Force: the {snap.Links.Count} links in {statePath} are all signed again.");
            return ExpireAll(snap.Links);
        }
        if (snap.Settings != settings)
        {
            _reporter.Verbose($"The links in {statePath} were made for other settings ({snap.Settings}; now {settings}): all are signed again.");
            return ExpireAll(snap.Links);
        }
        _reporter.Verbose($"Loaded links state {statePath}: {snap.Links.Count} links.");
        return snap.Links;
    }

    /// <summary>Keeps the keys (so deletions are still counted) but no link is reusable.</summary>
    private static Dictionary<string, LinkRecord> ExpireAll(Dictionary<string, LinkRecord> links)
    {
        var d = new Dictionary<string, LinkRecord>(links.Count, StringComparer.Ordinal);
        foreach ((string key, LinkRecord l) in links)
        {
            d[key] = l with { ExpiresAt = DateTimeOffset.MinValue };
        }
        return d;
    }

    /// <summary>Jobs, then each job's images (jobs side by side, as Update-HashIndex lists them), keyed by S3 key.</summary>
    private async Task<Dictionary<string, ImageObject>> ListAsync(CancellationToken ct)
    {
        _reporter.Verbose("Source: " + _source.Description);
        var jobs = new List<ImageJob>();
        await foreach (ImageJob j in _source.ListJobsAsync(ct).ConfigureAwait(false))
        {
            jobs.Add(j);
        }
        _reporter.Verbose($"Found {jobs.Count} jobs.");
        var images = new Dictionary<string, ImageObject>(StringComparer.Ordinal);
        var skipped = new SkipCounter();
        int listed = 0;
        var po = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(_links.Workers, 1, 8), CancellationToken = ct };
        await Parallel.ForEachAsync(jobs, po, async (job, c) =>
        {
            var mine = new List<ImageObject>();
            await foreach (ImageObject img in _source.ListImagesAsync(job, skipped, c).ConfigureAwait(false))
            {
                mine.Add(img);
            }
            lock (images)
            {
                foreach (ImageObject img in mine)
                {
                    images.TryAdd(img.Key, img);
                }
            }
            int done = Interlocked.Increment(ref listed);
            _reporter.Progress("Listing images", $"Job {done} of {jobs.Count}", done, jobs.Count);
        }).ConfigureAwait(false);
        _reporter.Verbose($"Listed {images.Count} images in {jobs.Count} jobs; {skipped.Count} other files skipped.");
        return images;
    }
}
