using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using HashIndexer.TestSupport;

namespace HashIndexer.Engine.Tests.S3;

/// <summary>Listings larger than one page (S3 pages at 1,000 keys).</summary>
[Collection(S3Collection.Name)]
public sealed class S3PaginationTests
{
    private readonly S3TestEnvironment _env;

    public S3PaginationTests(S3TestEnvironment env)
    {
        _env = env;
    }

    [Fact]
    public async Task More_than_a_thousand_jobs_are_all_listed_in_order_with_their_urls()
    {
        SeededBucket seeded = await _env.ManyJobsSeeded;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions { RecordTargets = true });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        var source = new S3ImageSource(connection, seeded.Bucket, seeded.RootPrefix, new S3ImageSourceOptions { UrlConcurrency = 32 });

        List<ImageJob> jobs = await source.ListJobsAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(S3TestEnvironment.ManyJobs, jobs.Count);
        Assert.Equal(seeded.Jobs.Select(j => j.JobNumber).Order(StringComparer.Ordinal), jobs.Select(j => j.JobNumber));
        Assert.Equal(seeded.Jobs.Select(j => j.ExpectedUrl), jobs.Select(j => j.JobUrl));
        // s3rver puts every common prefix in one page, so the loose objects under the root make the listing
        // need more than one page: the continuation token was followed.
        int listRequests = proxy.Targets.Count(t => t.Contains("list-type=2", StringComparison.Ordinal));
        Assert.True(listRequests >= 2, $"{listRequests} list request(s)");
    }

    [Fact]
    public async Task MaxJobs_on_a_large_listing_keeps_the_first_in_order()
    {
        SeededBucket seeded = await _env.ManyJobsSeeded;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, seeded.RootPrefix, new S3ImageSourceOptions { MaxJobs = 1_050 });

        List<ImageJob> jobs = await source.ListJobsAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(seeded.Jobs.Take(1_050).Select(j => j.JobNumber), jobs.Select(j => j.JobNumber));
    }

    [Fact]
    public async Task Jobs_with_images_lists_every_job_in_order_concurrently()
    {
        SeededBucket seeded = await _env.ManyJobsSeeded;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, seeded.RootPrefix, new S3ImageSourceOptions { UrlConcurrency = 8 });
        var skipped = new SkipCounter();

        var all = new List<(ImageJob Job, IReadOnlyList<ImageObject> Images)>();
        await foreach ((ImageJob Job, IReadOnlyList<ImageObject> Images) item in source.ListJobsWithImagesAsync(skipped, CancellationToken.None))
        {
            all.Add(item);
        }

        Assert.Equal(seeded.Jobs.Select(j => j.JobNumber), all.Select(a => a.Job.JobNumber));
        Assert.All(all, a => Assert.Equal(a.Job.Prefix + "img.jpg", Assert.Single(a.Images).Key));
        Assert.Equal(seeded.Jobs.Count(j => j.ExpectedUrl.Length > 0), skipped.Count); // the url.txt files
    }

    [Fact]
    public async Task Stopping_early_cancels_the_url_fetches_still_running()
    {
        SeededBucket seeded = await _env.ManyJobsSeeded;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, seeded.RootPrefix);
        var first = new List<ImageJob>();

        await foreach (ImageJob job in source.ListJobsAsync(CancellationToken.None))
        {
            first.Add(job);
            if (first.Count == 5)
            {
                break;
            }
        }

        Assert.Equal(seeded.Jobs.Take(5).Select(j => j.JobNumber), first.Select(j => j.JobNumber));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(100)]
    public async Task More_than_a_thousand_objects_in_one_job_are_all_listed(int? pageSize)
    {
        SeededBucket seeded = await _env.ManyObjectsSeeded;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, seeded.RootPrefix, new S3ImageSourceOptions { PageSize = pageSize });
        ImageJob job = Assert.Single(await source.ListJobsAsync(CancellationToken.None).ToListAsync());
        var skipped = new SkipCounter();

        List<ImageObject> images = await source.ListImagesAsync(job, skipped, CancellationToken.None).ToListAsync();

        var expected = seeded.Objects.Where(o => o.IsImage).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, images.Select(i => i.Key));
        Assert.True(expected.Count > 900);
        Assert.Equal(seeded.Objects.Count(o => !o.IsImage), skipped.Count);
        Assert.Equal(20, skipped.Examples.Count);
        Assert.All(images, i => Assert.Equal(seeded[i.Key].ETag, i.ETag));
    }
}
