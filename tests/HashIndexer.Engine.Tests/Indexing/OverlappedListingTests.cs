using System.Runtime.CompilerServices;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.Output;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Tests.Indexing;

/// <summary>
/// Hashing starts while the listing is still running (a big bucket's listing is minutes of S3 round trips), and a
/// checkpoint taken meanwhile keeps the images the listing has not reached yet.
/// </summary>
public sealed class OverlappedListingTests : IDisposable
{
    private static readonly string[] s_corpus = [.. Directory.GetFiles(Path.Combine(TestPaths.Corpus, "images", "src"), "*.jpg").Order(StringComparer.Ordinal)];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Jobs J100-J102 with the first <paramref name="images"/> corpus JPEGs dealt round-robin, and a config over them (3 workers).</summary>
    private (string Root, HashIndexerConfig Config) Jobs(int images, int checkpointImages)
    {
        string root = _dir["jobs"];
        for (int i = 0; i < images; i++)
        {
            string path = Path.Combine(root, "J" + (100 + (i % 3)), $"img{i}.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(s_corpus[i], path);
        }
        return (root, new HashIndexerConfig
        {
            Source = new SourceSettings { LocalPath = root },
            Hashing = new HashingSettings { Workers = 3 },
            Output = new OutputSettings { Target = OutputTarget.LocalCsv, Path = _dir["index"] },
            State = new StateSettings { Path = _dir["state.json"], CheckpointImages = checkpointImages, CheckpointSeconds = 0 },
        });
    }

    [Fact]
    public async Task Images_are_hashed_and_checkpointed_before_the_last_job_is_listed()
    {
        (string root, HashIndexerConfig config) = Jobs(images: 9, checkpointImages: 1);
        await new IndexUpdater(config, new LocalFolderSource(root), TestHasher.Hash).RunAsync();
        // Keys of a local source are relative to the root's parent: jobs/J102/img2.jpg.
        string[] lastJob = [.. Directory.GetFiles(Path.Combine(root, "J102")).Select(f => "jobs/J102/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)];

        // Two new images in the first job; the last job's listing waits until a checkpoint has been written.
        File.Copy(s_corpus[10], Path.Combine(root, "J100", "new1.jpg"));
        File.Copy(s_corpus[11], Path.Combine(root, "J100", "new2.jpg"));
        var reporter = new CheckpointReporter();
        var source = new LastJobWaitsForCheckpoint(new LocalFolderSource(root), "J102", reporter, config.State.Path);
        IndexRunSummary summary = await new IndexUpdater(config, source, TestHasher.Hash, reporter).RunAsync();

        Assert.True(source.CheckpointBeforeLastJob, "no image was hashed and checkpointed before the listing ended");
        // The checkpoint still had the last job's images, which the listing had not reached.
        Assert.Equal(lastJob, source.KeysInCheckpoint!.Order(StringComparer.Ordinal));
        Assert.Equal((2, 0, 9, 0), (summary.New, summary.Changed, summary.Unchanged, summary.Deleted));
        Assert.Equal(11, summary.IndexRows);
    }

    [Fact]
    public async Task A_listing_that_fails_after_hashing_began_stops_the_run_and_keeps_what_was_hashed()
    {
        // No checkpoints: whatever is saved is saved because the listing failed.
        (string root, HashIndexerConfig config) = Jobs(images: 6, checkpointImages: 0);
        var reporter = new CheckpointReporter();
        int hashed = 0;
        ImageHashFunction countingHash = (bytes, request, ct) =>
        {
            ImageHashResult r = TestHasher.Hash(bytes, request, ct);
            Interlocked.Increment(ref hashed);
            return r;
        };
        var source = new LastJobWaitsForCheckpoint(new LocalFolderSource(root), "J102", reporter, config.State.Path) { FailWhen = () => Volatile.Read(ref hashed) >= 4 };
        var error = await Assert.ThrowsAsync<IOException>(() => new IndexUpdater(config, source, countingHash, reporter).RunAsync());
        Assert.Equal("listing failed", error.Message);

        StateSnapshot saved = (await StateStore.ReadAsync(config.State.Path, null, default))!;
        // The first two jobs' images were hashed before the last job's listing failed, and are kept.
        Assert.Equal(
            ["jobs/J100/img0.jpg", "jobs/J100/img3.jpg", "jobs/J101/img1.jpg", "jobs/J101/img4.jpg"],
            saved.Entries.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_state_is_read_while_the_jobs_are_listed()
    {
        (string root, HashIndexerConfig config) = Jobs(images: 3, checkpointImages: 0);
        await new IndexUpdater(config, new LocalFolderSource(root), TestHasher.Hash).RunAsync();

        // The state's "Loaded state" message waits (at most 10 s) for the job listing to begin: it begins first only
        // when the two run side by side.
        var source = new JobListingSignals(new LocalFolderSource(root));
        var reporter = new StateMessageWaitsFor(source.ListingStarted.Task);
        IndexRunSummary summary = await new IndexUpdater(config, source, TestHasher.Hash, reporter).RunAsync();

        Assert.True(reporter.ListingHadStarted, "the job listing began only after the state was read");
        Assert.Equal((0, 0, 3), (summary.New, summary.Changed, summary.Unchanged));
    }

    [Fact]
    public async Task A_state_that_cannot_be_read_is_reported_even_while_jobs_are_listed()
    {
        (string root, HashIndexerConfig config) = Jobs(images: 3, checkpointImages: 0);
        await File.WriteAllTextAsync(config.State.Path, "{ not json");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => new IndexUpdater(config, new LocalFolderSource(root), TestHasher.Hash).RunAsync());

        Assert.Contains(config.State.Path, e.Message);
    }

    /// <summary>Passes everything to the real source; says when the job listing has begun.</summary>
    private sealed class JobListingSignals(IImageSource inner) : IImageSource
    {
        public TaskCompletionSource ListingStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Description => inner.Description;

        public IAsyncEnumerable<ImageJob> ListJobsAsync(CancellationToken cancellationToken)
        {
            ListingStarted.TrySetResult();
            return inner.ListJobsAsync(cancellationToken);
        }

        public IAsyncEnumerable<ImageObject> ListImagesAsync(ImageJob job, SkipCounter skipped, CancellationToken cancellationToken) => inner.ListImagesAsync(job, skipped, cancellationToken);

        public Task<ImageBytes> ReadAsync(ImageObject image, CancellationToken cancellationToken) => inner.ReadAsync(image, cancellationToken);
    }

    /// <summary>Holds the "Loaded state" message until <paramref name="listingStarted"/> completes (at most 10 s).</summary>
    private sealed class StateMessageWaitsFor(Task listingStarted) : IRunReporter
    {
        public bool ListingHadStarted { get; private set; }

        public void Verbose(string message)
        {
            if (message.StartsWith("Loaded state", StringComparison.Ordinal))
            {
                ListingHadStarted = listingStarted.Wait(TimeSpan.FromSeconds(10));
            }
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

    private sealed class CheckpointReporter : IRunReporter
    {
        public TaskCompletionSource Checkpoint { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Verbose(string message)
        {
            if (message.StartsWith("Checkpoint:", StringComparison.Ordinal))
            {
                Checkpoint.TrySetResult();
            }
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

    /// <summary>The real folder source, except that one job's listing waits (at most 20 s) for the run's first checkpoint.</summary>
    private sealed class LastJobWaitsForCheckpoint(IImageSource inner, string jobNumber, CheckpointReporter reporter, string statePath) : IImageSource
    {
        public bool CheckpointBeforeLastJob { get; private set; }

        /// <summary>When set, the job's listing waits (at most 10 s) until this is true, then fails, instead of waiting for a checkpoint.</summary>
        public Func<bool>? FailWhen { get; init; }

        public IReadOnlyList<string>? KeysInCheckpoint { get; private set; }

        public string Description => inner.Description;

        public IAsyncEnumerable<ImageJob> ListJobsAsync(CancellationToken cancellationToken) => inner.ListJobsAsync(cancellationToken);

        public async IAsyncEnumerable<ImageObject> ListImagesAsync(ImageJob job, SkipCounter skipped, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (job.JobNumber == jobNumber && FailWhen is not null)
            {
                for (int i = 0; i < 200 && !FailWhen(); i++)
                {
                    await Task.Delay(50, cancellationToken);
                }
                await Task.Delay(50, cancellationToken); // the last hash returned; its entry is recorded right after
                throw new IOException("listing failed");
            }
            if (job.JobNumber == jobNumber)
            {
                CheckpointBeforeLastJob = await Task.WhenAny(reporter.Checkpoint.Task, Task.Delay(20_000, cancellationToken)) == reporter.Checkpoint.Task;
                if (CheckpointBeforeLastJob)
                {
                    StateSnapshot snapshot = (await StateStore.ReadAsync(statePath, null, cancellationToken))!;
                    KeysInCheckpoint = [.. snapshot.Entries.Keys.Where(k => k.Contains("/" + jobNumber + "/", StringComparison.Ordinal))];
                }
            }
            await foreach (ImageObject image in inner.ListImagesAsync(job, skipped, cancellationToken))
            {
                yield return image;
            }
        }

        public Task<ImageBytes> ReadAsync(ImageObject image, CancellationToken cancellationToken) => inner.ReadAsync(image, cancellationToken);
    }
}
