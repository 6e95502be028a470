// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Threading.Channels;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Output;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Indexing;

/// <summary>
/// Update-HashIndex: list the jobs and their images, compare with the state by key and ETag, hash what is new or changed
/// with a bounded number of workers, drop what was deleted, and write state and index.
/// </summary>
/// <remarks>
/// <para>One in-memory map, key → <see cref="IndexEntry"/>, is the truth during a run. It starts as the state, and each
/// hashed image replaces its entry. State and index are both written from one sorted snapshot of that map, so they can
/// never disagree about an image; the index is a pure projection of the state.</para>
/// <para>Write order: state first, then index. If the process dies between the two, the next run loads the newer state,
/// finds nothing more to hash for what it holds, and rewrites the index from it (the index is written whenever its bytes
/// differ from what the state projects, not only when something was hashed). Index first would also be correct but would
/// re-hash the images of the lost state write. Each file is replaced atomically, so neither is ever half-written.</para>
/// <para>Memory: the map (keys, ETags, hashes: about 1 KB per image) plus the listing of what must be hashed, plus one
/// encoded and one decoded image per worker. Images are never kept.</para>
/// </remarks>
public sealed class IndexUpdater
{
    private const int MaxErrors = 10;
    private readonly HashIndexerConfig _config;
    private readonly IImageSource _source;
    private readonly ImageHashFunction _hash;
    private readonly IRunReporter _reporter;
    private readonly TimeProvider _clock;

    public IndexUpdater(HashIndexerConfig config, IImageSource source, ImageHashFunction hash, IRunReporter? reporter = null, TimeProvider? clock = null)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _hash = hash ?? throw new ArgumentNullException(nameof(hash));
        _reporter = reporter ?? NullRunReporter.Instance;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Runs once. Throws <see cref="StateLockedException"/> when another run holds the state, OperationCanceledException
    /// when cancelled (after saving what was hashed), InvalidDataException for an unreadable state.</summary>
    public async Task<IndexRunSummary> RunAsync(IndexUpdateOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new IndexUpdateOptions();
        var run = new Run(this, options);
        StateLock? stateLock = null;
        try
        {
            if (!options.WhatIf)
            {
                stateLock = StateLock.Acquire(_config.State.Path, _clock.GetUtcNow());
                int stale = AtomicFile.DeleteStaleTemps(_config.State.Path) + AtomicFile.DeleteStaleTemps(_config.Output.FilePath);
                if (stale > 0)
                {
                    _reporter.Verbose($"Removed {stale} temporary file(s) left by an interrupted run.");
                }
            }
            return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            stateLock?.Dispose();
        }
    }

    /// <summary>The request every image of this config is hashed with.</summary>
    public static HashRequest BuildRequest(HashIndexerConfig config)
    {
        var h = config.Hashing;
        return new HashRequest
        {
            Algorithms = config.Output.ExtraColumns.Contains(ExtraColumn.Sha256) ? [HashAlgorithmKind.Sha256] : [],
            HashSize = 8,
            Decode = new DecodeOptions { Mode = h.Decode, AutoOrient = h.AutoOrient },
            Seed = new SeedOptions
            {
                ResizeWidth = h.ResizeWidth,
                ResizeHeight = h.ResizeHeight,
                // Empty in basic mode; the configured list (or the documented defaults) in advanced mode.
                Permutations = h.PermutationDefinitions,
            },
        };
    }

    /// <summary>The state of one run: everything here is guarded by <see cref="_gate"/>.</summary>
    private sealed class Run
    {
        private readonly IndexUpdater _u;
        private readonly IndexUpdateOptions _options;
        private readonly HashIndexerConfig _config;
        private readonly IRunReporter _reporter;
        private readonly object _gate = new();
        private readonly Dictionary<string, IndexEntry> _current = new(StringComparer.Ordinal);
        private readonly List<(ImageObject Image, bool Changed)> _work = [];
        private readonly List<string> _errors = [];
        private readonly string _settings;
        private readonly IndexSchema _schema;
        private readonly long _started;
        private Dictionary<string, IndexEntry> _remaining = new(StringComparer.Ordinal);
        private int _checkpointing;
        private int _new, _changed, _unchanged, _failed, _hashed, _sinceCheckpoint;
        private long _lastCheckpoint;
        private bool _dirty;

        // Set once the last listing page is classified: from then on _remaining holds only deleted images.
        private bool _listed;

        // Where Classify sends new and changed images for hashing (null in a WhatIf run).
        private ChannelWriter<ImageObject>? _toHash;

        public Run(IndexUpdater u, IndexUpdateOptions options)
        {
            _u = u;
            _options = options;
            _config = u._config;
            _reporter = u._reporter;
            _settings = StateStore.SettingsFingerprint(_config);
            _schema = IndexSchema.For(_config);
            _started = u._clock.GetTimestamp();
            _lastCheckpoint = _started;
        }

        public async Task<IndexRunSummary> ExecuteAsync(CancellationToken ct)
        {
            _reporter.Verbose("Source: " + _u._source.Description);
            _reporter.Verbose(Imaging.TurboJpeg.Instance is { } turbo
                ? $"JPEG decoder: libjpeg-turbo with SIMD ({turbo.LibraryPath}); SkiaSharp for the rest."
                : $"JPEG decoder: SkiaSharp (install libturbojpeg for about twice faster JPEG decoding, same hashes; {Imaging.TurboJpeg.EnvironmentVariable}=0 turns it off).");
            List<ImageJob> jobs = await LoadStateWhileListingJobsAsync(ct).ConfigureAwait(false);
            var skipped = new SkipCounter();
            List<string> deleted;
            if (_options.WhatIf)
            {
                await ListImagesAsync(jobs, skipped, ct).ConfigureAwait(false);
                deleted = ListingFinished(jobs, skipped);
                _work.Sort((a, b) => KeyComparer.Instance.Compare(a.Image.Key, b.Image.Key));
                _reporter.Verbose(_work.Count == 0 ? "No new images to process." : $"Would hash {_work.Count} images and remove {deleted.Count}; nothing written (WhatIf).");
                return Summary(jobs.Count, _new + _changed + _unchanged, deleted.Count, skipped.Count, indexWritten: false) with
                {
                    ToHash = _work.Select(w => w.Image.Key).ToArray(),
                    ToRemove = deleted,
                    IndexRows = _current.Count + _work.Count(w => !w.Changed),
                };
            }
            deleted = await ListAndHashAsync(jobs, skipped, ct).ConfigureAwait(false);

            (bool written, int rows) = await SaveAsync(final: true, CancellationToken.None).ConfigureAwait(false);
            var summary = Summary(jobs.Count, _new + _changed + _unchanged, deleted.Count, skipped.Count, written) with { IndexRows = rows };
            _reporter.Verbose(string.Create(CultureInfo.InvariantCulture,
                $"Done in {summary.Duration.TotalSeconds:0.0} s: {_hashed} hashed, {_failed} failed, {deleted.Count} removed, {rows} rows in the index."));
            return summary;
        }

        /// <summary>
        /// Lists the jobs' images and hashes the new and changed ones as they are listed: hashing does not wait for the
        /// last listing page (on a big bucket the listing is minutes of S3 round trips). Returns the deleted keys.
        /// </summary>
        private async Task<List<string>> ListAndHashAsync(List<ImageJob> jobs, SkipCounter skipped, CancellationToken ct)
        {
            var queue = Channel.CreateUnbounded<ImageObject>();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            lock (_gate)
            {
                _toHash = queue.Writer;
            }
            Task hashing = HashAllAsync(queue.Reader, stop.Token, ct);
            // A hashing failure that ends the run (bucket gone, credentials expired, Ctrl+C) stops the listing too.
            _ = hashing.ContinueWith(
                _ =>
                {
                    try
                    {
                        stop.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The run already ended (it awaited the failed hashing and disposed the source).
                    }
                },
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            try
            {
                await ListImagesAsync(jobs, skipped, stop.Token).ConfigureAwait(false);
            }
            catch (Exception listingError)
            {
                queue.Writer.TryComplete();
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await hashing.ConfigureAwait(false);
                }
                catch (Exception hashingError) when (hashingError is not OperationCanceledException || ct.IsCancellationRequested)
                {
                    // The hashing side failed first, or Ctrl+C: it saved what it had, and its error is the cause.
                    throw;
                }
                catch (OperationCanceledException)
                {
                    // Stopped because the listing failed.
                }
                if (listingError is not OperationCanceledException || ct.IsCancellationRequested)
                {
                    // Keep what was hashed before the listing failed.
                    await SaveAsync(final: false, CancellationToken.None).ConfigureAwait(false);
                }
                throw;
            }
            List<string> deleted = ListingFinished(jobs, skipped);
            int work;
            lock (_gate)
            {
                work = _work.Count;
            }
            _reporter.Verbose(work == 0 ? "No new images to process." : $"Images to process: {work} with {_config.Hashing.Workers} workers (hashing began while listing).");
            queue.Writer.Complete();
            await hashing.ConfigureAwait(false);
            return deleted;
        }

        /// <summary>After the last listing page: what the listing did not see is gone (or, with max_jobs_to_process, outside this run's jobs).</summary>
        private List<string> ListingFinished(List<ImageJob> jobs, SkipCounter skipped)
        {
            List<string> deleted;
            lock (_gate)
            {
                _listed = true;
                deleted = [.. _remaining.Keys];
                _dirty |= deleted.Count > 0;
            }
            deleted.Sort(KeyComparer.Instance);
            _reporter.Verbose(string.Create(CultureInfo.InvariantCulture,
                $"Listed {_new + _changed + _unchanged} images in {jobs.Count} jobs: {_new} new, {_changed} changed, {_unchanged} unchanged, {deleted.Count} deleted; {skipped.Count} other files skipped."));
            if (deleted.Count > 0 && _config.S3.MaxJobsToProcess is not null)
            {
                _reporter.Warning($"max_jobs_to_process limits this run to {jobs.Count} jobs: {deleted.Count} indexed images of other jobs are removed from the index and state, as the original tool did. Remove the limit to keep them.");
            }
            return deleted;
        }

        private IndexRunSummary Summary(int jobs, int total, int deleted, int skipped, bool indexWritten) => new()
        {
            Jobs = jobs,
            Total = total,
            New = _new,
            Changed = _changed,
            Unchanged = _unchanged,
            Deleted = deleted,
            Failed = _failed,
            Skipped = skipped,
            Hashed = _hashed,
            Errors = [.. _errors],
            Duration = _u._clock.GetElapsedTime(_started),
            OutputPath = _config.Output.FilePath,
            StatePath = _config.State.Path,
            IndexWritten = indexWritten,
            WhatIf = _options.WhatIf,
        };

        /// <summary>
        /// Reads the state while the job folders are listed: they do not depend on each other, and each takes a while on
        /// a big bucket (100,000 objects: ~0.5 s to read the state, ~1.3 s to list 200 jobs and their url.txt). If
        /// reading the state fails, the listing is stopped (its own failure, if any, ignored) and the state's error
        /// reported; else the listing's outcome is the result.
        /// </summary>
        private async Task<List<ImageJob>> LoadStateWhileListingJobsAsync(CancellationToken ct)
        {
            using var listingStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task<List<ImageJob>> listing = Task.Run(() => ListJobsAsync(listingStop.Token), CancellationToken.None);
            try
            {
                await LoadStateAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                await listingStop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await listing.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The state's failure is the one to report.
                }
                throw;
            }
            return await listing.ConfigureAwait(false);
        }

        private async Task LoadStateAsync(CancellationToken ct)
        {
            string statePath = _config.State.Path;
            if (_options.Force)
            {
                _reporter.Verbose($"Force: ignoring the state at {statePath}; every image is hashed.");
                _dirty = true;
                return;
            }
            string indexPath = _config.Output.FilePath;
            StateSnapshot? snap = await StateStore.ReadAsync(statePath,
                c => File.Exists(indexPath) ? IndexFile.ReadAsync(_config.Output.Target, indexPath, c) : Task.FromResult(new List<IndexEntry>()),
                ct).ConfigureAwait(false);
            if (snap is null)
            {
                _reporter.Verbose($"No state at {statePath}: every image is hashed.");
                _dirty = true;
                return;
            }
            _dirty |= snap.IsLegacy;
            var h = _config.Hashing;
            bool legacyCompatible = snap.IsLegacy && h.Mode == HashingMode.Basic && h.Decode == DecodeMode.Exact && !h.AutoOrient;
            if (snap.Settings != _settings && !legacyCompatible)
            {
                _reporter.Warning($"The state {statePath} was made with other hashing settings ({snap.Settings}; now {_settings}): every image is hashed again.");
                _dirty = true;
                return;
            }
            _remaining = snap.Entries;
            _reporter.Verbose(snap.IsLegacy
                ? $"Imported {_remaining.Count} images from the original tool's state {statePath} and its index {indexPath}."
                : $"Loaded state {statePath}: {_remaining.Count} images.");
        }

        private async Task<List<ImageJob>> ListJobsAsync(CancellationToken ct)
        {
            var jobs = new List<ImageJob>();
            await foreach (ImageJob j in _u._source.ListJobsAsync(ct).ConfigureAwait(false))
            {
                jobs.Add(j);
            }
            _reporter.Verbose($"Found {jobs.Count} jobs.");
            if (_config.S3.MaxJobsToProcess is int max && jobs.Count > max)
            {
                jobs.RemoveRange(max, jobs.Count - max);
                _reporter.Verbose($"Processing the first {max} jobs (max_jobs_to_process).");
            }
            return jobs;
        }

        private async Task ListImagesAsync(List<ImageJob> jobs, SkipCounter skipped, CancellationToken ct)
        {
            int listed = 0;
            // S3 answers one listing page at a time: jobs are listed side by side (order does not matter, the map is keyed).
            var po = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(_config.Hashing.Workers, 1, 8), CancellationToken = ct };
            await Parallel.ForEachAsync(jobs, po, async (job, c) =>
            {
                int n = 0;
                await foreach (ImageObject img in _u._source.ListImagesAsync(job, skipped, c).ConfigureAwait(false))
                {
                    Classify(img);
                    n++;
                }
                int done = Interlocked.Increment(ref listed);
                _reporter.Verbose($"Job {job.JobNumber}: {n} images.");
                _reporter.Progress("Listing images", $"Job {done} of {jobs.Count}", done, jobs.Count);
            }).ConfigureAwait(false);
        }

        /// <summary>New, changed or unchanged, by key and ETag.</summary>
        private void Classify(ImageObject img)
        {
            string job = img.Job?.JobNumber ?? "";
            string url = img.Job?.JobUrl ?? "";
            lock (_gate)
            {
                if (_current.ContainsKey(img.Key))
                {
                    return;
                }
                if (_remaining.Remove(img.Key, out IndexEntry? old))
                {
                    if (old.ETag == img.ETag && !NeedsRehash(old))
                    {
                        _unchanged++;
                        // A changed url.txt (or metadata the old state lacked) updates the row without re-hashing.
                        IndexEntry e = old.JobNumber == job && old.JobUrl == url && old.Size is not null
                            ? old
                            : old with { JobNumber = job, JobUrl = url, Size = img.Size, LastModified = IndexEntry.NormalizeTime(img.LastModified) };
                        _dirty |= !ReferenceEquals(e, old);
                        _current[img.Key] = e;
                        return;
                    }
                    _changed++;
                    // Kept until the new hashes replace it: a checkpoint meanwhile still shows the image (with its old ETag, so it is re-hashed after a crash).
                    _current[img.Key] = old;
                    _work.Add((img, true));
                    _toHash?.TryWrite(img);
                    return;
                }
                _new++;
                _work.Add((img, false));
                _toHash?.TryWrite(img);
            }
        }

        /// <summary>Entries that lack a value this config's index shows (e.g. sha256 was added to extra_columns).</summary>
        private bool NeedsRehash(IndexEntry e)
        {
            foreach (ExtraColumn x in _config.Output.ExtraColumns)
            {
                if ((x == ExtraColumn.Sha256 && e.Sha256 is null) || (x is ExtraColumn.Width or ExtraColumn.Height && e.Width is null))
                {
                    return true;
                }
            }
            return e.PermutationHashes.Count != _config.Hashing.Permutations.Count;
        }

        /// <param name="queue">The new and changed images, as the listing finds them; completed after the last page.</param>
        /// <param name="stop">Ends the hashing when the run fails elsewhere (the listing) or is cancelled.</param>
        /// <param name="ct">The caller's cancellation (Ctrl+C).</param>
        private async Task HashAllAsync(ChannelReader<ImageObject> queue, CancellationToken stop, CancellationToken ct)
        {
            HashRequest request = BuildRequest(_config);
            int done = 0;
            var po = new ParallelOptions { MaxDegreeOfParallelism = _config.Hashing.Workers, CancellationToken = stop };
            try
            {
                await Parallel.ForEachAsync(queue.ReadAllAsync(stop), po, async (image, c) =>
                {
                    await HashOneAsync(image, request, c).ConfigureAwait(false);
                    int d = Interlocked.Increment(ref done);
                    int total;
                    bool listed;
                    lock (_gate)
                    {
                        total = _work.Count;
                        listed = _listed;
                    }
                    _reporter.Progress("Hashing images", listed ? $"{d} of {total}: {image.Key}" : $"{d} of {total} listed so far: {image.Key}", d, total);
                    await MaybeCheckpointAsync(c).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
            catch (S3.S3SetupException)
            {
                // The bucket or the credentials went away mid-run: not one image's failure. Keep what was hashed
                // and stop, so the cmdlet reports the setup error once instead of once per remaining image.
                await SaveAsync(final: false, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: keep what was hashed, so the next run goes on from here.
                await SaveAsync(final: false, CancellationToken.None).ConfigureAwait(false);
                _reporter.Verbose($"Cancelled after {_hashed} hashed images; progress saved to {_config.State.Path}.");
                throw;
            }
        }

        private async Task HashOneAsync(ImageObject img, HashRequest request, CancellationToken ct)
        {
            string errorId = "ImageReadFailed";
            try
            {
                ImageHashResult r;
                using (ImageBytes bytes = await _u._source.ReadAsync(img, ct).ConfigureAwait(false))
                {
                    errorId = "ImageHashFailed";
                    r = await Pipeline.CpuGate.RunAsync(() => _u._hash(bytes.Memory, request, ct), ct).ConfigureAwait(false);
                }
                IndexEntry e = ToEntry(img, r);
                lock (_gate)
                {
                    _current[img.Key] = e;
                    _hashed++;
                    _sinceCheckpoint++;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not S3.S3SetupException)
            {
                if (ex is IErrorIdentified identified)
                {
                    // ImageDecodeFailed, ImageTruncated, ..., or the source's own (S3ObjectReadFailed, S3ObjectNotFound).
                    errorId = identified.ErrorId;
                }
                string message = $"{img.Location}: {ex.Message}";
                lock (_gate)
                {
                    // Left out of index and state, so the next run tries it again.
                    _current.Remove(img.Key);
                    _failed++;
                    if (_errors.Count < MaxErrors)
                    {
                        _errors.Add(message);
                    }
                }
                _reporter.ItemFailed(img.Location, errorId, message, ex);
            }
        }

        private IndexEntry ToEntry(ImageObject img, ImageHashResult r)
        {
            SeedHashes seed = r.Seed ?? throw new InvalidOperationException("The hasher returned no seed hashes.");
            var perms = new string[_config.Hashing.Permutations.Count];
            for (int i = 0; i < perms.Length; i++)
            {
                string name = _config.Hashing.Permutations[i];
                perms[i] = seed.Permutations.FirstOrDefault(p => p.Key == name).Value
                    ?? throw new InvalidOperationException($"The hasher returned no hash for permutation '{name}'.");
            }
            r.Hashes.TryGetValue(HashAlgorithmKind.Sha256, out string? sha);
            return new IndexEntry(img.Key, img.Job?.JobNumber ?? "", img.Job?.JobUrl ?? "", img.ETag, img.Size,
                IndexEntry.NormalizeTime(img.LastModified), seed.Original, seed.HFlip, seed.VFlip, perms, sha, r.Width, r.Height);
        }

        private async Task MaybeCheckpointAsync(CancellationToken ct)
        {
            var s = _config.State;
            bool due;
            lock (_gate)
            {
                due = (s.CheckpointImages > 0 && _sinceCheckpoint >= s.CheckpointImages)
                      || (s.CheckpointSeconds > 0 && _sinceCheckpoint > 0 && _u._clock.GetElapsedTime(_lastCheckpoint).TotalSeconds >= s.CheckpointSeconds);
            }
            // One checkpoint at a time; a worker that finds one running goes back to hashing.
            if (!due || Interlocked.CompareExchange(ref _checkpointing, 1, 0) != 0)
            {
                return;
            }
            try
            {
                await SaveAsync(final: false, ct).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _checkpointing, 0);
            }
        }

        /// <summary>Writes state, then index, from one snapshot. Returns whether the index file changed, and its rows.</summary>
        private async Task<(bool Written, int Rows)> SaveAsync(bool final, CancellationToken ct)
        {
            IndexEntry[] snapshot;
            bool stateDue;
            lock (_gate)
            {
                // While the listing runs, images it has not reached yet are still in _remaining: a checkpoint keeps
                // them (as the last state had them) rather than dropping them as if deleted.
                snapshot = _listed ? [.. _current.Values] : [.. _current.Values, .. _remaining.Values];
                stateDue = _dirty || _hashed > 0 || _failed > 0;
                _sinceCheckpoint = 0;
                _lastCheckpoint = _u._clock.GetTimestamp();
            }
            Array.Sort(snapshot, (a, b) => KeyComparer.Instance.Compare(a.Key, b.Key));
            if (stateDue)
            {
                await StateStore.WriteAsync(_config.State.Path, _settings, snapshot, _u._clock.GetUtcNow(), ct).ConfigureAwait(false);
            }
            bool written;
            try
            {
                written = await IndexFile.WriteAsync(_config.Output.Target, _config.Output.FilePath, _schema, snapshot, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!final && ex is IOException or UnauthorizedAccessException)
            {
                // A reader holding the index open (Excel, Power BI, a virus scanner on Windows) must not abort the run
                // at a checkpoint: the state is saved, and the index is written again at the next save.
                _reporter.Warning($"Checkpoint: the index {_config.Output.FilePath} could not be replaced ({ex.Message}); the state is saved and the index will be written at the end of the run.");
                return (false, snapshot.Length);
            }
            if (final)
            {
                _reporter.Verbose(written ? $"Index written: {_config.Output.FilePath} ({snapshot.Length} rows)." : $"Index unchanged: {_config.Output.FilePath} ({snapshot.Length} rows).");
                if (stateDue)
                {
                    _reporter.Verbose($"State saved: {_config.State.Path} ({snapshot.Length} images).");
                }
            }
            else
            {
                _reporter.Verbose($"Checkpoint: {snapshot.Length} images saved to {_config.State.Path} and {_config.Output.FilePath}.");
            }
            return (written, snapshot.Length);
        }
    }
}
