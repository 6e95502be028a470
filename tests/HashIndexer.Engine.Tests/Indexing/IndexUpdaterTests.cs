using System.Text;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.Output;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Tests.Indexing;

/// <summary>Incremental runs over a local folder built from corpus images: every incremental result must equal a fresh full run byte for byte.</summary>
public sealed class IndexUpdaterTests : IDisposable
{
    private static readonly string[] s_corpus = [.. Directory.GetFiles(Path.Combine(TestPaths.Corpus, "images", "src")).Order(StringComparer.Ordinal)];
    private readonly TempDir _dir = new();
    private readonly string _root;
    private int _mtime;

    public IndexUpdaterTests()
    {
        // jobs/<job>/... : 3 jobs, 30 images, one in a sub-folder, url.txt in two, a non-image.
        _root = _dir["jobs"];
        for (int i = 0; i < 30; i++)
        {
            string job = "J" + (100 + (i % 3));
            string sub = i == 7 ? "raw" : "";
            Put(Path.Combine(job, sub, $"img{i:00}{Path.GetExtension(s_corpus[i])}"), s_corpus[i]);
        }
        File.WriteAllText(Path.Combine(_root, "J100", "url.txt"), "https://example.com/jobs/100\r\n", new UTF8Encoding(true));
        File.WriteAllText(Path.Combine(_root, "J101", "url.txt"), "https://example.com/jobs/101?a=1,b=2");
        File.WriteAllText(Path.Combine(_root, "J101", "readme.md"), "not an image");
    }

    public void Dispose() => _dir.Dispose();

    private string Put(string relative, string from)
    {
        string p = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.Copy(from, p, overwrite: true);
        // Distinct, deterministic timestamps: the local ETag is size + last-write time.
        File.SetLastWriteTimeUtc(p, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(++_mtime));
        return p;
    }

    private HashIndexerConfig Config(string name, OutputTarget target = OutputTarget.LocalCsv, int checkpointImages = 0, int workers = 3) => new()
    {
        Source = new SourceSettings { LocalPath = _root },
        Hashing = new HashingSettings { Workers = workers },
        Output = new OutputSettings { Target = target, Path = _dir[$"{name}/index"], ExtraColumns = [ExtraColumn.ETag, ExtraColumn.Size, ExtraColumn.LastModified, ExtraColumn.Width] },
        State = new StateSettings { Path = _dir[$"{name}/state.json"], CheckpointImages = checkpointImages, CheckpointSeconds = 0 },
    };

    private static Task<IndexRunSummary> Run(HashIndexerConfig c, RecordingReporter? r = null, IndexUpdateOptions? o = null, ImageHashFunction? hash = null, CancellationToken ct = default)
        => new IndexUpdater(c, new LocalFolderSource(c.Source.LocalPath!), hash ?? TestHasher.Hash, r, TimeProvider.System).RunAsync(o, ct);

    /// <summary>A fresh full run into its own folder: the reference every incremental result must equal.</summary>
    private async Task<byte[]> FullRebuild(OutputTarget target = OutputTarget.LocalCsv)
    {
        string name = "full-" + Guid.NewGuid().ToString("N")[..6];
        var s = await Run(Config(name, target));
        Assert.Equal(0, s.Unchanged);
        return File.ReadAllBytes(s.OutputPath);
    }

    private static void AssertNoTempFiles(string folder)
        => Assert.Empty(Directory.GetFiles(folder, "*" + AtomicFile.TempSuffix));

    [Theory]
    [InlineData(OutputTarget.LocalCsv)]
    [InlineData(OutputTarget.LocalParquet)]
    public async Task New_changed_deleted_and_noop_runs_equal_a_full_rebuild(OutputTarget target)
    {
        var c = Config("main", target);
        var r1 = new RecordingReporter();
        var s1 = await Run(c, r1);
        Assert.Equal((30, 30, 0, 0, 0, 0, 30), (s1.Total, s1.New, s1.Changed, s1.Unchanged, s1.Deleted, s1.Failed, s1.Hashed));
        Assert.Equal(3, s1.Skipped); // readme.md and two url.txt
        Assert.Contains(r1.Verbose, v => v.StartsWith("Found 3 jobs", StringComparison.Ordinal));
        Assert.Contains(r1.Verbose, v => v.StartsWith("Images to process: 30", StringComparison.Ordinal));
        Assert.Contains(r1.Verbose, v => v.StartsWith("State saved: ", StringComparison.Ordinal));
        Assert.True(s1.IndexWritten);

        // change 3, delete 2, add 4
        Put("J100/img00.jpg", s_corpus[31]);
        Put("J101/img01" + Path.GetExtension(s_corpus[1]), s_corpus[32]);
        Put("J101/img04" + Path.GetExtension(s_corpus[4]), s_corpus[33]);
        File.Delete(Directory.GetFiles(Path.Combine(_root, "J102"))[0]);
        File.Delete(Directory.GetFiles(Path.Combine(_root, "J101", "raw"))[0]); // the image in a sub-folder
        for (int i = 0; i < 4; i++)
        {
            Put($"J10{i % 3}/new{i}{Path.GetExtension(s_corpus[20 + i])}", s_corpus[20 + i]);
        }
        var s2 = await Run(c);
        Assert.Equal((32, 4, 3, 2, 25, 7), (s2.Total, s2.New, s2.Changed, s2.Deleted, s2.Unchanged, s2.Hashed));
        Assert.Equal(await FullRebuild(target), File.ReadAllBytes(s2.OutputPath));

        var r3 = new RecordingReporter();
        var s3 = await Run(c, r3);
        Assert.Equal((0, 0, 0, 32, 0), (s3.New, s3.Changed, s3.Deleted, s3.Unchanged, s3.Hashed));
        Assert.Contains("No new images to process.", r3.Verbose);
        Assert.False(s3.IndexWritten);
        Assert.Equal(await FullRebuild(target), File.ReadAllBytes(s3.OutputPath));
        AssertNoTempFiles(_dir["main"]);
    }

    [Fact]
    public async Task Index_is_sorted_by_key_with_the_original_columns_first()
    {
        var s = await Run(Config("main"));
        string[] lines = File.ReadAllText(s.OutputPath).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("image_name,job_number,job_url,original_hash,h_flip_hash,v_flip_hash,etag,size,last_modified,width", lines[0]);
        string[] keys = [.. lines.Skip(1).Select(l => l.Split(',')[0])];
        Assert.Equal(keys.Order(KeyComparer.Instance), keys);
        Assert.StartsWith("jobs/J100/img00.jpg,J100,https://example.com/jobs/100,", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("jobs/J101/img01.jpg,J101,\"https://example.com/jobs/101?a=1,b=2\",", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("jobs/J101/raw/img07.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_image_is_reported_left_out_and_retried_next_run()
    {
        var c = Config("main");
        string bad = Put("J100/broken.jpg", Path.Combine(TestPaths.Corpus, "bad", "zero_bytes.jpg"));
        var r1 = new RecordingReporter();
        var s1 = await Run(c, r1);
        Assert.Equal((31, 1, 30), (s1.Total, s1.Failed, s1.Hashed));
        var f = Assert.Single(r1.Failures);
        Assert.Equal((bad, "ImageDecodeFailed"), (f.Location, f.ErrorId));
        Assert.Contains(bad, f.Message, StringComparison.Ordinal);
        Assert.Equal([f.Message], s1.Errors);
        Assert.DoesNotContain("broken.jpg", File.ReadAllText(s1.OutputPath), StringComparison.Ordinal);
        Assert.DoesNotContain("broken.jpg", File.ReadAllText(s1.StatePath), StringComparison.Ordinal);

        // Retried: still broken, still reported.
        var s2 = await Run(c);
        Assert.Equal((1, 1, 0), (s2.New, s2.Failed, s2.Hashed));

        // Fixed: hashed, and the index is what a full run gives.
        Put("J100/broken.jpg", s_corpus[33]);
        var s3 = await Run(c);
        Assert.Equal((1, 0, 1), (s3.New, s3.Failed, s3.Hashed));
        Assert.Equal(await FullRebuild(), File.ReadAllBytes(s3.OutputPath));
    }

    [Fact]
    public async Task A_changed_image_that_now_fails_leaves_index_and_state()
    {
        var c = Config("main");
        await Run(c);
        Put("J100/img00.jpg", Path.Combine(TestPaths.Corpus, "bad", "text_not_image.png"));
        var s = await Run(c);
        Assert.Equal((1, 1, 0), (s.Changed, s.Failed, s.Hashed));
        Assert.DoesNotContain("img00.jpg", File.ReadAllText(s.OutputPath), StringComparison.Ordinal);
        Assert.DoesNotContain("img00.jpg", File.ReadAllText(s.StatePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crash_after_checkpoints_then_rerun_equals_a_clean_full_run()
    {
        var c = Config("main", checkpointImages: 5, workers: 2);
        string crash = _dir["crash"];
        Directory.CreateDirectory(crash);
        using var cts = new CancellationTokenSource();
        int calls = 0;
        ImageHashFunction hash = (bytes, req, ct) =>
        {
            int n = Interlocked.Increment(ref calls);
            if (n == 13)
            {
                // What a killed process would leave on disk: the files as they are mid-run (once the first checkpoint,
                // written by another worker after 5 images, is there).
                var wait = System.Diagnostics.Stopwatch.StartNew();
                while (!File.Exists(c.Output.FilePath) && wait.ElapsedMilliseconds < 10_000)
                {
                    Thread.Sleep(10);
                }
                File.Copy(c.State.Path, Path.Combine(crash, "state.json"));
                File.Copy(c.Output.FilePath, Path.Combine(crash, "index.csv"));
            }
            if (n == 16)
            {
                cts.Cancel();
            }
            return TestHasher.Hash(bytes, req, ct);
        };
        var reporter = new RecordingReporter();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(c, reporter, hash: hash, ct: cts.Token));
        Assert.Contains(reporter.Verbose, v => v.StartsWith("Checkpoint: ", StringComparison.Ordinal));
        AssertNoTempFiles(_dir["main"]);

        // (a) Ctrl+C saved what was hashed: the rerun hashes only the rest.
        var resumed = await Run(c);
        Assert.True(resumed.Unchanged >= 13, $"only {resumed.Unchanged} kept after cancel"); // calls 1..13 completed, 14..16 may be cut short
        Assert.Equal(30, resumed.Unchanged + resumed.New);
        byte[] full = await FullRebuild();
        Assert.Equal(full, File.ReadAllBytes(resumed.OutputPath));

        // (b) A hard kill: only the last checkpoint is on disk, plus a temp file the dead process left.
        string crashed = _dir["crashed"];
        Directory.CreateDirectory(crashed);
        File.Copy(Path.Combine(crash, "state.json"), Path.Combine(crashed, "state.json"));
        File.Copy(Path.Combine(crash, "index.csv"), Path.Combine(crashed, "index.csv"));
        File.WriteAllText(Path.Combine(crashed, ".index.csv.99999-00000000000000000000000000000000" + AtomicFile.TempSuffix), "half a file");
        int atCrash = File.ReadAllLines(Path.Combine(crashed, "state.json")).Length - 1;
        Assert.True(atCrash >= 5, "no checkpoint was on disk mid-run");
        var c2 = Config("crashed");
        var r = new RecordingReporter();
        var after = await Run(c2, r);
        Assert.Equal((atCrash, 30 - atCrash), (after.Unchanged, after.New));
        Assert.Equal(full, File.ReadAllBytes(after.OutputPath));
        Assert.Contains(r.Verbose, v => v.StartsWith("Removed 1 temporary file", StringComparison.Ordinal));
        AssertNoTempFiles(crashed);
    }

    [Fact]
    public async Task Index_lost_after_the_state_was_saved_is_rewritten_from_the_state()
    {
        var c = Config("main");
        var s1 = await Run(c);
        byte[] first = File.ReadAllBytes(s1.OutputPath);
        File.Delete(s1.OutputPath);
        var s2 = await Run(c);
        Assert.Equal((0, true), (s2.Hashed, s2.IndexWritten));
        Assert.Equal(first, File.ReadAllBytes(s2.OutputPath));
    }

    [Fact]
    public async Task WhatIf_lists_the_work_and_writes_nothing()
    {
        var c = Config("main");
        var w0 = await Run(c, o: new IndexUpdateOptions { WhatIf = true });
        Assert.Equal((30, 30), (w0.New, w0.ToHash.Count));
        Assert.False(Directory.Exists(_dir["main"]));

        await Run(c);
        var before = Directory.GetFiles(_dir["main"]).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Put("J100/img00.jpg", s_corpus[31]);
        File.Delete(Path.Combine(_root, "J102", "img02" + Path.GetExtension(s_corpus[2])));
        var w = await Run(c, o: new IndexUpdateOptions { WhatIf = true });
        Assert.True(w.WhatIf);
        Assert.Equal(["jobs/J100/img00.jpg"], w.ToHash);
        Assert.Equal(["jobs/J102/img02" + Path.GetExtension(s_corpus[2])], w.ToRemove);
        Assert.Equal(0, w.Hashed);
        Assert.Equal(before, Directory.GetFiles(_dir["main"]).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    [Fact]
    public async Task Force_rehashes_everything_and_equals_a_full_run()
    {
        var c = Config("main");
        await Run(c);
        var s = await Run(c, o: new IndexUpdateOptions { Force = true });
        Assert.Equal((30, 30), (s.New, s.Hashed));
        Assert.Equal(await FullRebuild(), File.ReadAllBytes(s.OutputPath));
    }

    [Fact]
    public async Task A_second_run_on_the_same_state_stops_at_once()
    {
        var c = Config("main");
        using var held = StateLock.Acquire(c.State.Path, DateTimeOffset.UtcNow);
        var ex = await Assert.ThrowsAsync<StateLockedException>(() => Run(c));
        Assert.Equal(c.State.Path + ".lock", ex.LockPath);
        Assert.Contains("process " + Environment.ProcessId, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changed_url_txt_updates_rows_without_rehashing()
    {
        var c = Config("main");
        await Run(c);
        File.WriteAllText(Path.Combine(_root, "J102", "url.txt"), "https://example.com/new");
        var s = await Run(c);
        Assert.Equal(0, s.Hashed);
        Assert.Equal(await FullRebuild(), File.ReadAllBytes(s.OutputPath));
    }

    [Fact]
    public async Task Max_jobs_limits_the_run_and_warns_about_removed_rows()
    {
        var c = Config("main");
        await Run(c);
        var r = new RecordingReporter();
        var s = await Run(c with { S3 = c.S3 with { MaxJobsToProcess = 1 } }, r);
        Assert.Equal((1, 10, 20), (s.Jobs, s.Total, s.Deleted));
        Assert.Contains(r.Warnings, w => w.Contains("max_jobs_to_process", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Changed_hashing_settings_rehash_everything()
    {
        var c = Config("main");
        await Run(c);
        var r = new RecordingReporter();
        var s = await Run(c with { Hashing = c.Hashing with { Decode = Engine.Hashing.DecodeMode.Fast } }, r);
        Assert.Equal(30, s.Hashed);
        Assert.Contains(r.Warnings, w => w.Contains("other hashing settings", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_original_tools_state_and_index_are_imported_without_rehashing()
    {
        var c = Config("main") with { Output = Config("main").Output with { ExtraColumns = [] } };
        var s1 = await Run(c);
        byte[] index = File.ReadAllBytes(s1.OutputPath);
        var entries = (await StateStore.ReadAsync(s1.StatePath, null, CancellationToken.None))!.Entries;
        // The original tool's state: one JSON object {key: etag}.
        File.WriteAllText(s1.StatePath, "{" + string.Join(", ", entries.Values.Select(e => $"\"{e.Key}\": \"{e.ETag}\"")) + "}");
        var r = new RecordingReporter();
        var s2 = await Run(c, r);
        Assert.Equal((0, 30), (s2.Hashed, s2.Unchanged));
        Assert.Contains(r.Verbose, v => v.StartsWith("Imported 30 images from the original tool's state", StringComparison.Ordinal));
        Assert.Equal(index, File.ReadAllBytes(s2.OutputPath));
        Assert.StartsWith("{\"format\":\"HashIndexer.State\"", File.ReadAllText(s2.StatePath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Advanced_mode_writes_permutation_columns()
    {
        var c = Config("main", OutputTarget.LocalParquet);
        c = c with { Hashing = c.Hashing with { Mode = HashingMode.Advanced, PermutationDefinitions = HashIndexer.Engine.Hashing.Permutation.ParseList("rotate:+5, zoom:1.1") } };
        var s = await Run(c);
        Assert.Equal(30, s.Hashed);
        var rows = await IndexFile.ReadAsync(OutputTarget.LocalParquet, s.OutputPath, CancellationToken.None);
        Assert.All(rows, e => Assert.Equal(2, e.PermutationHashes.Count));
        var again = await Run(c);
        Assert.Equal(0, again.Hashed);
    }
}
