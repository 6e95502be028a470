using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using Amazon.S3.Model;
using DuckDB.NET.Data;
using HashIndexer.TestSupport;

namespace HashIndexer.Tests;

/// <summary>Issue #5's acceptance, end to end: Update-HashIndex against s3rver through the real engine.</summary>
[Collection(S3ServerCollection.Name)]
public sealed class UpdateHashIndexTests : IDisposable
{
    private const string RootPrefix = "ODM Duplicate Image/";
    private static readonly string[] s_corpus = [.. Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "images", "var"), "*.jpg").Order(StringComparer.Ordinal)];

    private readonly S3Server _server;
    private readonly PowerShellSession _session = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("hashindexer-update-").FullName;
    private readonly ITestOutputHelper _output;

    public UpdateHashIndexTests(S3Server server, ITestOutputHelper output)
    {
        _server = server;
        _output = output;
    }

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A new bucket with <paramref name="jobs"/> jobs of <paramref name="perJob"/> corpus photos each, and url.txt files.</summary>
    private async Task<string> SeedBucketAsync(int jobs, int perJob)
    {
        string bucket = "update-" + Guid.NewGuid().ToString("N")[..10];
        await _server.S3.CreateBucketAsync(bucket);
        int n = 0;
        for (int j = 0; j < jobs; j++)
        {
            string job = RootPrefix + (20000 + j).ToString(CultureInfo.InvariantCulture) + "/";
            await _server.S3.PutTextAsync(bucket, job + "url.txt", $"https://jobs.example.com/{20000 + j}\r\n");
            for (int i = 0; i < perJob; i++, n++)
            {
                await _server.S3.PutFileAsync(bucket, job + $"photo {i:D3}.jpg", s_corpus[n % s_corpus.Length]);
            }
        }
        return bucket;
    }

    /// <summary>The original tool's config, unchanged, plus s3.endpoint_url.</summary>
    private string WriteConfig(string bucket, string name, string target = "local_csv", int workers = 4, string? endpoint = null)
    {
        string path = Path.Combine(_dir, name + ".yaml");
        File.WriteAllText(path, $"""
            aws:
              region: us-east-1
            s3:
              bucket: {bucket}
              root_prefix: '{RootPrefix}'
              timeout_seconds: 60
              max_jobs_to_process: 0
              endpoint_url: {endpoint ?? _server.S3.ServiceUrl}
            hashing:
              mode: basic
              resize:
                width: 256
                height: 256
              workers: {workers}
            output:
              target: {target}
              path: {name}/hash_index
            state:
              path: {name}/state.json
              checkpoint_images: 5
              checkpoint_seconds: 1
            """);
        return path;
    }

    private PowerShellResult Update(string config, string extra = "") =>
        _session.Invoke($"Update-HashIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -Verbose {extra}", config);

    private static PSObject Summary(PowerShellResult result) => result.ThrowOnErrors().Output.Single();

    private static int Count(PSObject summary, string name) => (int)summary.Properties[name].Value;

    [Fact]
    public async Task IncrementalRunsMatchAFullRebuildByteForByte()
    {
        string bucket = await SeedBucketAsync(jobs: 3, perJob: 5);
        string config = WriteConfig(bucket, "main");

        // 1. First run: the original header, one correct row per image.
        PSObject first = Summary(Update(config));
        Assert.Equal((15, 15, 0), (Count(first, "Total"), Count(first, "New"), Count(first, "Failed")));
        string csv = (string)first.Properties["OutputPath"].Value;
        Assert.Equal(Path.Combine(_dir, "main", "hash_index.csv"), csv);
        string[] lines = File.ReadAllLines(csv);
        Assert.Equal("image_name,job_number,job_url,original_hash,h_flip_hash,v_flip_hash", lines[0]);
        Assert.Equal(16, lines.Length);
        string[] row = lines[1].Split(',');
        Assert.Equal(RootPrefix + "20000/photo 000.jpg", row[0]);
        Assert.Equal("20000", row[1]);
        Assert.Equal("https://jobs.example.com/20000", row[2]);
        Dictionary<string, string> golden = Golden.ForFile(s_corpus[0]);
        Assert.Equal([golden["seed_original"], golden["seed_h_flip"], golden["seed_v_flip"]], row[3..6]);

        // 2. Change 3 objects, delete 2, add 4.
        for (int i = 0; i < 3; i++)
        {
            await _server.S3.PutFileAsync(bucket, RootPrefix + $"20000/photo {i:D3}.jpg", s_corpus[40 + i]);
        }
        foreach (string key in new[] { "20001/photo 000.jpg", "20001/photo 001.jpg" })
        {
            await _server.S3.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = RootPrefix + key });
        }
        for (int i = 0; i < 4; i++)
        {
            await _server.S3.PutFileAsync(bucket, RootPrefix + $"20003/new {i}.jpg", s_corpus[60 + i]);
        }
        PSObject second = Summary(Update(config));
        Assert.Equal((4, 3, 2, 0), (Count(second, "New"), Count(second, "Changed"), Count(second, "Deleted"), Count(second, "Failed")));
        Assert.Equal(10, Count(second, "Unchanged"));
        byte[] rebuilt = File.ReadAllBytes((string)Summary(Update(WriteConfig(bucket, "rebuild"))).Properties["OutputPath"].Value);
        Assert.Equal(rebuilt, File.ReadAllBytes(csv));

        // 3. A third run hashes nothing and says so.
        PowerShellResult third = Update(config);
        PSObject summary = Summary(third);
        Assert.Equal((0, 0, 0, 17), (Count(summary, "New"), Count(summary, "Changed"), Count(summary, "Deleted"), Count(summary, "Unchanged")));
        Assert.Contains("No new images to process.", third.Verbose);
        // The run names its JPEG decoder (libturbojpeg is installed wherever these tests run: TurboJpegTests).
        Assert.Contains(third.Verbose, m => m.StartsWith("JPEG decoder: libjpeg-turbo with SIMD (", StringComparison.Ordinal));
        Assert.Equal(rebuilt, File.ReadAllBytes(csv));
    }

    [Fact]
    public async Task ThroughTransientFaultsEveryImageIsHashedExactlyOnce()
    {
        string bucket = await SeedBucketAsync(jobs: 3, perJob: 10);
        byte[] clean = File.ReadAllBytes((string)Summary(Update(WriteConfig(bucket, "direct"))).Properties["OutputPath"].Value);

        // 503 SlowDown, dropped connections, bodies cut in half and slow answers on 20 % of the requests.
        await using FaultProxy proxy = await FaultProxy.StartAsync(_server.S3.ServiceUrl, new FaultProxyOptions
        {
            Seed = 7,
            SlowDownRate = 0.07,
            DropRate = 0.05,
            TruncateRate = 0.05,
            SlowRate = 0.03,
            SlowDelay = TimeSpan.FromMilliseconds(20),
        });
        PSObject summary = Summary(Update(WriteConfig(bucket, "faulty", endpoint: proxy.ServiceUrl)));
        _output.WriteLine(proxy.ToString());
        Assert.True(proxy.Injected > 5, "the proxy injected too few faults to prove anything: " + proxy);
        Assert.Equal((30, 0), (Count(summary, "New"), Count(summary, "Failed")));
        Assert.Equal(clean, File.ReadAllBytes((string)summary.Properties["OutputPath"].Value));
        for (int j = 0; j < 3; j++)
        {
            for (int i = 0; i < 10; i++)
            {
                string key = RootPrefix + $"{20000 + j}/photo {i:D3}.jpg";
                Assert.True(proxy.CompletedGets(key) == 1, $"{key} was downloaded {proxy.CompletedGets(key)} times");
            }
        }
    }

    [Fact]
    public async Task APersistentFailureIsReportedAndRetriedOnTheNextRun()
    {
        string bucket = await SeedBucketAsync(jobs: 1, perJob: 4);
        string broken = RootPrefix + "20000/photo 002.jpg";
        string config;
        await using (FaultProxy proxy = await FaultProxy.StartAsync(_server.S3.ServiceUrl, new FaultProxyOptions { AlwaysFail = key => key == broken }))
        {
            config = WriteConfig(bucket, "persistent", endpoint: proxy.ServiceUrl);
            PowerShellResult result = Update(config);
            PSObject summary = result.Output.Single();
            Assert.Equal((4, 1), (Count(summary, "New"), Count(summary, "Failed"))); // New counts what was found new; one of them failed
            ErrorRecord error = Assert.Single(result.Errors);
            Assert.Equal($"s3://{bucket}/{broken}", error.TargetObject);
            Assert.StartsWith("S3ObjectReadFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains(broken, ((IEnumerable<string>)summary.Properties["Errors"].Value).Single(), StringComparison.Ordinal);
            Assert.DoesNotContain(File.ReadAllLines(Path.Combine(_dir, "persistent", "hash_index.csv")), l => l.StartsWith(broken, StringComparison.Ordinal));
        }

        // The server answers again: the next run (straight to s3rver) hashes just that image.
        File.WriteAllText(config, File.ReadAllText(config).Replace(File.ReadAllLines(config).Single(l => l.Contains("endpoint_url", StringComparison.Ordinal)), $"  endpoint_url: {_server.S3.ServiceUrl}", StringComparison.Ordinal));
        PSObject next = Summary(Update(config));
        Assert.Equal((1, 3, 0), (Count(next, "New"), Count(next, "Unchanged"), Count(next, "Failed")));
    }

    [Fact]
    public async Task ParquetIndexReadsBackThroughDuckDb()
    {
        string bucket = await SeedBucketAsync(jobs: 2, perJob: 4);
        string config = WriteConfig(bucket, "pq", target: "local_parquet");
        PSObject first = Summary(Update(config));
        string parquet = (string)first.Properties["OutputPath"].Value;
        Assert.EndsWith("hash_index.parquet", parquet, StringComparison.Ordinal);

        await _server.S3.PutFileAsync(bucket, RootPrefix + "20000/photo 000.jpg", s_corpus[50]);
        await _server.S3.Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = RootPrefix + "20001/photo 003.jpg" });
        PSObject second = Summary(Update(config));
        Assert.Equal((1, 1), (Count(second, "Changed"), Count(second, "Deleted")));
        string rebuilt = (string)Summary(Update(WriteConfig(bucket, "pq-rebuild", target: "local_parquet"))).Properties["OutputPath"].Value;

        List<string> incremental = ReadParquet(parquet);
        Assert.Equal(7, incremental.Count);
        Assert.Equal(ReadParquet(rebuilt), incremental);
        Dictionary<string, string> golden = Golden.ForFile(s_corpus[50]);
        Assert.StartsWith($"{RootPrefix}20000/photo 000.jpg|20000|https://jobs.example.com/20000|{golden["seed_original"]}|", incremental[0], StringComparison.Ordinal);
    }

    private static List<string> ReadParquet(string path)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT image_name, job_number, job_url, original_hash, h_flip_hash, v_flip_hash, original_hash_i64 FROM read_parquet('{path.Replace("'", "''", StringComparison.Ordinal)}') ORDER BY image_name";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            // The signed INT64 column is the same 64 bits as the hex column.
            Assert.Equal(Convert.ToInt64(reader.GetString(3), 16), reader.GetInt64(6));
            rows.Add(string.Join('|', Enumerable.Range(0, 6).Select(reader.GetString)));
        }
        return rows;
    }

    [Fact]
    public async Task FailOnErrorEndsTheRunWithATerminatingErrorAfterWritingTheIndex()
    {
        string bucket = await SeedBucketAsync(jobs: 1, perJob: 2);
        await _server.S3.PutObjectAsync(bucket, RootPrefix + "20000/broken.jpg", [0xFF, 0xD8, 0xFF, 0x00]);
        string config = WriteConfig(bucket, "fail");

        PowerShellResult plain = Update(config);
        Assert.Equal(1, Count(plain.Output.Single(), "Failed"));
        ErrorRecord itemError = Assert.Single(plain.Errors);
        Assert.Equal($"s3://{bucket}/{RootPrefix}20000/broken.jpg", itemError.TargetObject);

        PowerShellResult strict = _session.Invoke(
            "Update-HashIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -FailOnError; 'after: ' + $?", config);
        Assert.Equal(1, Count(strict.Output[0], "Failed")); // the summary is still written, and the index
        Assert.Equal("after: False", strict.Output[^1].ToString());
        Assert.Contains(strict.Errors, e => e.FullyQualifiedErrorId.StartsWith("HashIndexImagesFailed,", StringComparison.Ordinal));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_dir, "fail", "hash_index.csv")).Length);
    }

    [Fact]
    public async Task ErrorActionStopEndsTheRunButTheEngineFinishesAndReleasesTheLock()
    {
        string bucket = await SeedBucketAsync(jobs: 1, perJob: 6);
        await _server.S3.PutObjectAsync(bucket, RootPrefix + "20000/broken.jpg", [0xFF, 0xD8, 0xFF, 0x00]);
        string config = WriteConfig(bucket, "erroractionstop", workers: 1);

        // The first failed image turns WriteError into an exception on the pipeline thread.
        PowerShellResult stopped = _session.Invoke("Update-HashIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -ErrorAction Stop", config);
        Assert.True(stopped.Terminating is not null || stopped.Errors.Count > 0);
        Assert.Empty(stopped.Output);

        // Right after it returns, the engine has finished (the lock is free) and the next run completes.
        PowerShellResult next = Update(config);
        Assert.DoesNotContain(next.Errors, e => e.FullyQualifiedErrorId.StartsWith("StateLocked", StringComparison.Ordinal));
        PSObject summary = next.Output.Single();
        Assert.Equal((7, 1), (Count(summary, "Total"), Count(summary, "Failed")));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(_dir, "erroractionstop", "hash_index.csv")).Length);
    }

    [Fact]
    public async Task WhatIfListsTheWorkAndWritesNothing()
    {
        string bucket = await SeedBucketAsync(jobs: 1, perJob: 3);
        string config = WriteConfig(bucket, "whatif");
        PowerShellResult result = Update(config, "-WhatIf");
        PSObject summary = Summary(result);
        Assert.True((bool)summary.Properties["WhatIf"].Value);
        Assert.Equal(3, Count(summary, "New"));
        Assert.False(Directory.Exists(Path.Combine(_dir, "whatif")) && Directory.EnumerateFiles(Path.Combine(_dir, "whatif")).Any());

        // $WhatIfPreference does the same as -WhatIf.
        _session.Invoke("$WhatIfPreference = $true");
        try
        {
            PSObject byPreference = Summary(Update(config));
            Assert.True((bool)byPreference.Properties["WhatIf"].Value);
            Assert.Equal(3, Count(byPreference, "New"));
        }
        finally
        {
            _session.Invoke("$WhatIfPreference = $false");
        }
        Assert.False(Directory.Exists(Path.Combine(_dir, "whatif")) && Directory.EnumerateFiles(Path.Combine(_dir, "whatif")).Any());
    }

    [Fact]
    public async Task ASecondRunOnTheSameStateStopsAtOnce()
    {
        string bucket = await SeedBucketAsync(jobs: 1, perJob: 1);
        string config = WriteConfig(bucket, "locked");
        Directory.CreateDirectory(Path.Combine(_dir, "locked"));
        using (new FileStream(Path.Combine(_dir, "locked", "state.json.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            PowerShellResult result = Update(config);
            ErrorRecord error = Assert.Single(result.Errors);
            Assert.StartsWith("StateLocked,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("state.json.lock", error.Exception.Message, StringComparison.Ordinal);
            Assert.Empty(result.Output);
        }
        Assert.Equal(1, Count(Summary(Update(config)), "New"));
    }

    [Fact]
    public async Task KilledRunsAlwaysFinishWithTheCleanIndex()
    {
        string bucket = await SeedBucketAsync(jobs: 4, perJob: 20);
        string cleanConfig = WriteConfig(bucket, "clean", workers: 1);
        byte[] clean = File.ReadAllBytes((string)Summary(Update(cleanConfig)).Properties["OutputPath"].Value);

        string config = WriteConfig(bucket, "killed", workers: 1);
        string folder = Path.Combine(_dir, "killed");

        // Kill points: chosen from what the run reports, so that they land in every phase (starting, listing,
        // hashing between checkpoints, writing), each followed by a random delay of up to 150 ms.
        string[] triggers = ["Configuration loaded", "Source:", "Found ", "Images to process", "Checkpoint:", "Checkpoint:", "Checkpoint:", "Index written", "Checkpoint:", "Images to process"];
        var random = new Random(20261123);
        int killedMidRun = 0;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
            // Kill at a random moment: while PowerShell starts, while listing, while hashing, while writing.
            using (Process child = StartIndexer(config))
            {
                // The n-th checkpoint for repeated triggers, so kills spread over the hashing phase.
                int skip = triggers.Take(attempt).Count(t => t == triggers[attempt]);
                string? line;
                while ((line = child.StandardOutput.ReadLine()) is not null)
                {
                    if (line.Contains(triggers[attempt], StringComparison.Ordinal) && skip-- == 0)
                    {
                        Thread.Sleep(random.Next(0, 150));
                        break;
                    }
                }
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                    killedMidRun++;
                }
                child.WaitForExit();
            }
            using (Process rerun = StartIndexer(config))
            {
                string log = rerun.StandardOutput.ReadToEnd() + rerun.StandardError.ReadToEnd();
                rerun.WaitForExit();
                Assert.True(rerun.ExitCode == 0, log);
            }
            Assert.Equal(clean, File.ReadAllBytes(Path.Combine(folder, "hash_index.csv")));
            Assert.Empty(Directory.EnumerateFiles(folder, "*.hashindexer-tmp"));
        }
        _output.WriteLine($"{killedMidRun} of 10 runs were killed before they finished (kill -9 of the process tree).");
        Assert.True(killedMidRun >= 9, $"only {killedMidRun} runs were killed mid-run");
    }

    /// <summary>Update-HashIndex in a separate process (the sample runner hosts the same engine): kill -9 must not corrupt anything.</summary>
    private static Process StartIndexer(string config)
    {
        string runner = Path.Combine(TestPaths.RepoRoot, "samples", "IndexSamples", "bin", TestPaths.Configuration, "net10.0", "IndexSamples.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(runner);
        start.ArgumentList.Add(config);
        start.Environment["AWS_ACCESS_KEY_ID"] = S3rverFixture.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = S3rverFixture.SecretKey;
        return Process.Start(start)!;
    }
}
