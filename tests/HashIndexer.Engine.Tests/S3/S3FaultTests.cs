using System.Diagnostics;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using HashIndexer.TestSupport;

namespace HashIndexer.Engine.Tests.S3;

/// <summary>Listing and reading through a proxy that fails a fifth of the requests the ways S3 does.</summary>
[Collection(S3Collection.Name)]
public sealed class S3FaultTests
{
    private readonly S3TestEnvironment _env;

    public S3FaultTests(S3TestEnvironment env)
    {
        _env = env;
    }

    private static S3RetryPolicy FastRetry(int attempts = 8, double timeoutSeconds = 10) =>
        new(attempts, TimeSpan.FromSeconds(timeoutSeconds)) { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task Every_object_is_read_once_with_correct_bytes_despite_20_percent_faults()
    {
        SeededBucket standard = await _env.Standard;
        SeededBucket many = await _env.ManyObjectsSeeded;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions
        {
            Seed = 42,
            SlowDownRate = 0.07,
            DropRate = 0.05,
            TruncateRate = 0.05,
            SlowRate = 0.03,
            SlowDelay = TimeSpan.FromMilliseconds(20),
        });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        S3RetryPolicy retry = FastRetry();
        var images = new List<(S3ImageSource Source, ImageObject Image, byte[] Expected)>();
        foreach ((SeededBucket seeded, int take) in new[] { (standard, int.MaxValue), (many, 300) })
        {
            S3ImageSource source = S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix, retry: retry);
            await foreach (ImageJob job in source.ListJobsAsync(CancellationToken.None))
            {
                await foreach (ImageObject image in source.ListImagesAsync(job, new SkipCounter(), CancellationToken.None))
                {
                    if (images.Count(i => i.Source == source) < take)
                    {
                        images.Add((source, image, seeded[image.Key].Bytes));
                    }
                }
            }
        }
        Assert.Equal(standard.Images.Count(), images.Count(i => i.Image.Job!.Container == standard.Bucket));
        proxy.ResetCounters();

        var results = new byte[images.Count][];
        await Parallel.ForEachAsync(Enumerable.Range(0, images.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            results[i] = await images[i].Source.ReadAllAsync(images[i].Image, ct);
        });

        // The proxy counts a GET once its last byte is written, which can be just after the client has it all.
        SpinWait.SpinUntil(() => images.All(i => proxy.CompletedGets(i.Image.Key) >= 1), TimeSpan.FromSeconds(5));
        for (int i = 0; i < images.Count; i++)
        {
            Assert.Equal(images[i].Expected, results[i]);
            Assert.Equal(1, proxy.CompletedGets(images[i].Image.Key));
        }
        Assert.True(proxy.SlowDowns > 0 && proxy.Drops > 0 && proxy.Truncations > 0 && proxy.Slowed > 0, proxy.ToString());
        double rate = (double)proxy.Injected / proxy.Requests;
        Assert.InRange(rate, 0.10, 0.30);
        // 503s and cut bodies each cost one retry of ours; drops before any response are partly re-sent by HttpClient itself.
        Assert.True(retry.Retries >= proxy.SlowDowns + proxy.Truncations, $"retries {retry.Retries}, {proxy}");
    }

    [Fact]
    public async Task Bodies_corrupted_in_transit_are_caught_by_the_ETag_and_read_again()
    {
        // Images are read as the range "bytes=0-" (which the AWS SDK does not check), so this is our own MD5 check.
        SeededBucket seeded = await _env.Standard;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl);
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        S3RetryPolicy retry = FastRetry(attempts: 8);
        S3ImageSource source = S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix, retry: retry);
        var images = new List<ImageObject>();
        await foreach (ImageJob job in source.ListJobsAsync(CancellationToken.None))
        {
            await foreach (ImageObject image in source.ListImagesAsync(job, new SkipCounter(), CancellationToken.None))
            {
                // A multipart upload's ETag is not an MD5: nothing to check a body against (for the SDK neither).
                if (!image.ETag.Contains('-', StringComparison.Ordinal) && image.Size > 0)
                {
                    images.Add(image);
                }
            }
        }
        Assert.True(images.Count >= 5, $"{images.Count} single-part images");
        // Corrupt the downloads only (a corrupted listing is an XML error, not what this is about).
        proxy.Options = new FaultProxyOptions { Seed = 7, CorruptRate = 0.3 };
        proxy.ResetCounters();
        long retriesBefore = retry.Retries;

        foreach (ImageObject image in images)
        {
            Assert.Equal(seeded[image.Key].Bytes, await source.ReadAllAsync(image, CancellationToken.None));
        }

        Assert.True(proxy.Corruptions > 0, proxy.ToString());
        Assert.True(retry.Retries - retriesBefore >= proxy.Corruptions, $"retries {retry.Retries - retriesBefore}, {proxy}");
    }

    [Theory]
    [InlineData(FaultKind.SlowDown, "SlowDown")]
    [InlineData(FaultKind.Drop, "")]
    [InlineData(FaultKind.Truncate, "")]
    [InlineData(FaultKind.Corrupt, "")]
    public async Task A_persistent_failure_throws_after_bounded_retries_with_the_location(FaultKind kind, string code)
    {
        SeededBucket seeded = await _env.Standard;
        SeededObject target = seeded[TestBuckets.Keys.PlusAmpPercent];
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions
        {
            AlwaysFail = key => key == target.Key,
            PersistentFault = kind,
        });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        S3ImageSource source = S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix, retry: FastRetry(attempts: 3));
        string location = $"s3://{seeded.Bucket}/{target.Key}";
        var image = new ImageObject(target.Key, null, target.ETag, target.Bytes.Length, null, location);

        var e = await Assert.ThrowsAsync<S3ObjectException>(() => source.ReadAsync(image, CancellationToken.None));

        Assert.Equal(S3ErrorIds.S3ObjectReadFailed, e.ErrorId);
        Assert.Equal(location, e.Location);
        Assert.Contains(location, e.Message);
        Assert.Contains("after 3 attempts", e.Message);
        Assert.Equal(3, e.Attempts);
        if (kind == FaultKind.Drop)
        {
            // HttpClient re-sends a request whose connection closed before any response (up to 10 times per send).
            Assert.InRange(proxy.PersistentFailures, 3, 33);
        }
        else
        {
            Assert.Equal(3, proxy.PersistentFailures);
        }
        if (code.Length > 0)
        {
            Assert.Equal(code, e.S3ErrorCode);
            Assert.Contains(code, e.Message);
        }
        if (kind == FaultKind.Corrupt)
        {
            Assert.Contains($"do not match its ETag {target.ETag}", e.Message);
        }
        // The other objects are unaffected.
        SeededObject other = seeded[TestBuckets.Keys.Unicode];
        Assert.Equal(other.Bytes, await source.ReadAllAsync(new ImageObject(other.Key, null, other.ETag, other.Bytes.Length, null, $"s3://{seeded.Bucket}/{other.Key}"), CancellationToken.None));
    }

    [Fact]
    public async Task A_request_slower_than_the_timeout_is_retried_then_reported()
    {
        SeededBucket seeded = await _env.Standard;
        SeededObject target = seeded.Images.First();
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions
        {
            AlwaysFail = key => key == target.Key,
            PersistentFault = FaultKind.Slow,
            SlowDelay = TimeSpan.FromSeconds(5),
        });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        S3ImageSource source = S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix, retry: FastRetry(attempts: 2, timeoutSeconds: 0.5));
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<S3ObjectException>(() =>
            source.ReadAsync(new ImageObject(target.Key, null, target.ETag, target.Bytes.Length, null, $"s3://{seeded.Bucket}/{target.Key}"), CancellationToken.None));

        Assert.Equal(2, e.Attempts);
        Assert.Contains("did not complete within 0.5 s", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task Cancelling_stops_an_in_flight_read_at_once()
    {
        SeededBucket seeded = await _env.Standard;
        SeededObject target = seeded.Images.First();
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions { Latency = TimeSpan.FromSeconds(10) });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        var source = new S3ImageSource(connection, seeded.Bucket, seeded.RootPrefix);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            source.ReadAsync(new ImageObject(target.Key, null, target.ETag, target.Bytes.Length, null, $"s3://{seeded.Bucket}/{target.Key}"), cts.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), watch.Elapsed.ToString());
    }

    [Fact]
    public async Task Listing_survives_faults_too()
    {
        SeededBucket seeded = await _env.ManyJobsSeeded;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions
        {
            Seed = 7,
            SlowDownRate = 0.08,
            DropRate = 0.06,
            TruncateRate = 0.06,
        });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        S3ImageSource source = S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix, retry: FastRetry());

        List<ImageJob> jobs = await source.ListJobsAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(seeded.Jobs.Select(j => (j.JobNumber, j.ExpectedUrl)), jobs.Select(j => (j.JobNumber, j.JobUrl)));
        Assert.True(proxy.Injected > 50, proxy.ToString());
    }
}
