using System.Security.Cryptography;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using HashIndexer.TestSupport;

namespace HashIndexer.Engine.Tests.S3;

/// <summary>S3ImageSource against a real S3-compatible server with the standard bucket's awkward cases.</summary>
[Collection(S3Collection.Name)]
public sealed class S3ImageSourceTests
{
    private readonly S3TestEnvironment _env;

    public S3ImageSourceTests(S3TestEnvironment env)
    {
        _env = env;
    }

    [Fact]
    public async Task Jobs_are_the_folders_under_the_root_prefix_with_their_url_txt()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);

        List<ImageJob> jobs = await source.ListJobsAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(["1001", "1002", "1003", "1004"], jobs.Select(j => j.JobNumber));
        foreach (SeededJob expected in seeded.Jobs)
        {
            ImageJob job = jobs.Single(j => j.JobNumber == expected.JobNumber);
            Assert.Equal(expected.ExpectedUrl, job.JobUrl);
            Assert.Equal(expected.Prefix, job.Prefix);
            Assert.Equal(seeded.Bucket, job.Container);
        }
        // BOM, spaces and CRLF gone; a job without url.txt has "".
        Assert.Equal("https://example.com/jobs/1002?a=1&b=2", jobs[1].JobUrl);
        Assert.Equal("", jobs[2].JobUrl);
    }

    [Fact]
    public async Task Root_prefix_without_trailing_slash_is_the_same_folder()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, "ODM Duplicate Image");

        List<ImageJob> jobs = await source.ListJobsAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(4, jobs.Count);
        Assert.Equal("ODM Duplicate Image/", source.RootPrefix);
    }

    [Fact]
    public async Task MaxJobs_takes_the_first_jobs_in_order()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix, new S3ImageSourceOptions { MaxJobs = 2 });

        List<ImageJob> jobs = await source.ListJobsAsync(CancellationToken.None).ToListAsync();

        Assert.Equal(["1001", "1002"], jobs.Select(j => j.JobNumber));
    }

    [Fact]
    public async Task Images_of_every_job_match_what_was_uploaded_and_non_images_are_counted()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);
        var skipped = new SkipCounter();
        var listed = new List<ImageObject>();

        await foreach (ImageJob job in source.ListJobsAsync(CancellationToken.None))
        {
            List<ImageObject> images = await source.ListImagesAsync(job, skipped, CancellationToken.None).ToListAsync();
            Assert.Equal(images.Select(i => i.Key).Order(StringComparer.Ordinal), images.Select(i => i.Key));
            Assert.All(images, i => Assert.Same(job, i.Job));
            listed.AddRange(images);
        }

        var expected = seeded.Images.OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(o => o.Key), listed.Select(i => i.Key));
        foreach (ImageObject image in listed)
        {
            SeededObject o = seeded[image.Key];
            Assert.Equal(o.ETag, image.ETag);
            Assert.Equal(o.Bytes.Length, image.Size);
            Assert.Equal($"s3://{seeded.Bucket}/{image.Key}", image.Location);
            Assert.NotNull(image.LastModified);
            Assert.Equal(TimeSpan.Zero, image.LastModified!.Value.Offset);
            Assert.InRange(image.LastModified.Value, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        }
        // url.txt of 1001, 1002 and 1004, and notes.txt; the loose root object belongs to no job.
        Assert.Equal(4, skipped.Count);
        Assert.Contains($"s3://{seeded.Bucket}/{TestBuckets.Keys.NonImage}", skipped.Examples);
        Assert.DoesNotContain(skipped.Examples, e => e.EndsWith(TestBuckets.Keys.LooseRootObject, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Zero_byte_object_is_listed_and_reads_as_empty()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);
        ImageJob job = (await source.ListJobsAsync(CancellationToken.None).ToListAsync()).Single(j => j.JobNumber == "1002");

        List<ImageObject> images = await source.ListImagesAsync(job, new SkipCounter(), CancellationToken.None).ToListAsync();
        ImageObject empty = images.Single(i => i.Key == TestBuckets.Keys.ZeroByte);

        Assert.Equal(0, empty.Size);
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", empty.ETag);
        Assert.Empty(await source.ReadAllAsync(empty, CancellationToken.None));
        Assert.Contains(images, i => i.Key == TestBuckets.Keys.SubFolderImage);
    }

    [Fact]
    public async Task An_object_changed_since_it_was_listed_is_read_as_it_is_now()
    {
        // Images are read as a range of the listed version (If-Match). Listed with bytes and another ETag, the object is
        // now empty: S3 answers 412 to the ranged read, which falls back to a plain one (a range on an empty object
        // would be refused). s3rver ignores If-Match, so the proxy answers as S3 does.
        SeededBucket seeded = await _env.Standard;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions { EnforceIfMatch = true });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);
        SeededObject empty = seeded[TestBuckets.Keys.ZeroByte];
        SeededObject photo = seeded.Images.First(i => !i.ETag.Contains('-', StringComparison.Ordinal) && i.Bytes.Length > 0);
        string location(SeededObject o) => $"s3://{seeded.Bucket}/{o.Key}";

        Assert.Empty(await source.ReadAllAsync(new ImageObject(empty.Key, null, "0123456789abcdef0123456789abcdef", 1234, null, location(empty)), CancellationToken.None));
        Assert.Equal(1, proxy.PreconditionFailures);
        Assert.Equal(photo.Bytes, await source.ReadAllAsync(new ImageObject(photo.Key, null, "0123456789abcdef0123456789abcdef", 99, null, location(photo)), CancellationToken.None));
        Assert.Equal(2, proxy.PreconditionFailures);
        // Unchanged since listed: no 412, one ranged read.
        Assert.Equal(photo.Bytes, await source.ReadAllAsync(new ImageObject(photo.Key, null, photo.ETag, photo.Bytes.Length, null, location(photo)), CancellationToken.None));
        Assert.Equal(2, proxy.PreconditionFailures);
    }

    [Theory]
    [InlineData(TestBuckets.Keys.Unicode)]
    [InlineData(TestBuckets.Keys.PlusAmpPercent)]
    [InlineData(TestBuckets.Keys.UnicodeFolder)]
    [InlineData(TestBuckets.Keys.SubFolderImage)]
    public async Task Awkward_keys_round_trip_byte_for_byte(string key)
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);
        string jobNumber = seeded[key].JobNumber!;
        ImageJob job = (await source.ListJobsAsync(CancellationToken.None).ToListAsync()).Single(j => j.JobNumber == jobNumber);
        ImageObject image = (await source.ListImagesAsync(job, new SkipCounter(), CancellationToken.None).ToListAsync()).Single(i => i.Key == key);

        byte[] bytes = await source.ReadAllAsync(image, CancellationToken.None);

        Assert.Equal(seeded[key].Bytes, bytes);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), image.ETag);
    }

    [Fact]
    public async Task Multipart_object_keeps_its_multipart_etag_and_reads_whole()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);
        ImageJob job = (await source.ListJobsAsync(CancellationToken.None).ToListAsync()).Single(j => j.JobNumber == "1004");

        ImageObject image = (await source.ListImagesAsync(job, new SkipCounter(), CancellationToken.None).ToListAsync()).Single();

        Assert.Equal(TestBuckets.Keys.Multipart, image.Key);
        Assert.Matches("^[0-9a-f]{32}-2$", image.ETag);
        Assert.Equal(seeded[image.Key].ETag, image.ETag);
        Assert.Equal(seeded[image.Key].Bytes, await source.ReadAllAsync(image, CancellationToken.None));
        // What s3rver 3.7.1 itself answered: the whole object's MD5 (the fixture stores the S3-style ETag after).
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(seeded[image.Key].Bytes)), _env.S3.LastMultipartServerETag);
        // HeadObject agrees with the listing.
        Assert.Equal(image.ETag, (await source.DescribeAsync(image.Key, CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task Custom_extension_list_changes_what_is_an_image()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix, new S3ImageSourceOptions { Extensions = [".png", ".txt"] });
        ImageJob job = (await source.ListJobsAsync(CancellationToken.None).ToListAsync()).Single(j => j.JobNumber == "1002");
        var skipped = new SkipCounter();

        List<ImageObject> images = await source.ListImagesAsync(job, skipped, CancellationToken.None).ToListAsync();

        Assert.Equal(
            new[] { TestBuckets.Keys.NonImage, TestBuckets.Keys.SubFolderImage, TestBuckets.Keys.Job2UrlBomCrlf }.Order(StringComparer.Ordinal),
            images.Select(i => i.Key));
        Assert.Equal(2, skipped.Count); // the two .jpg files
    }

    [Fact]
    public async Task Describe_single_key_finds_job_from_root_prefix_or_parent_folder()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();

        ImageObject withRoot = await S3ImageSource.DescribeAsync(connection, S3Uri.Parse($"s3://{seeded.Bucket}/{TestBuckets.Keys.SubFolderImage}"),
            TestBuckets.StandardRootPrefix, CancellationToken.None);
        ImageObject withoutRoot = await S3ImageSource.DescribeAsync(connection, new S3Uri(seeded.Bucket, TestBuckets.Keys.SubFolderImage), null, CancellationToken.None);
        ImageObject plain = await S3ImageSource.DescribeAsync(connection, new S3Uri(seeded.Bucket, TestBuckets.StandardRootPrefix + "1002/empty.jpg"), null, CancellationToken.None);

        SeededObject o = seeded[TestBuckets.Keys.SubFolderImage];
        Assert.Equal(o.ETag, withRoot.ETag);
        Assert.Equal(o.Bytes.Length, withRoot.Size);
        Assert.NotNull(withRoot.LastModified);
        Assert.Equal("1002", withRoot.Job!.JobNumber);
        Assert.Equal("https://example.com/jobs/1002?a=1&b=2", withRoot.Job.JobUrl);
        Assert.Equal("sub folder", withoutRoot.Job!.JobNumber);
        Assert.Equal("", withoutRoot.Job.JobUrl);
        Assert.Equal("1002", plain.Job!.JobNumber);
        Assert.Equal("https://example.com/jobs/1002?a=1&b=2", plain.Job.JobUrl);
        Assert.Equal(0, plain.Size);

        var source = new S3ImageSource(connection, seeded.Bucket, null);
        Assert.Equal(o.Bytes, await source.ReadAllAsync(withRoot, CancellationToken.None));
    }

    [Fact]
    public async Task Missing_object_is_a_per_object_error_with_its_location()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);
        string key = TestBuckets.StandardRootPrefix + "1001/gone.jpg";
        var image = new ImageObject(key, null, "x", 1, null, $"s3://{seeded.Bucket}/{key}");

        var read = await Assert.ThrowsAsync<S3ObjectException>(() => source.ReadAsync(image, CancellationToken.None));
        var describe = await Assert.ThrowsAsync<S3ObjectException>(() => source.DescribeAsync(key, CancellationToken.None));

        Assert.Equal(S3ErrorIds.S3ObjectNotFound, read.ErrorId);
        Assert.Contains($"s3://{seeded.Bucket}/{key}", read.Message);
        Assert.Equal($"s3://{seeded.Bucket}/{key}", read.Location);
        Assert.Equal(1, read.Attempts); // not retried: a 404 is definite
        Assert.Equal(S3ErrorIds.S3ObjectNotFound, describe.ErrorId);
    }

    [Fact]
    public async Task Cancelled_read_throws_OperationCanceledException()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);
        SeededObject o = seeded.Images.First();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            source.ReadAsync(new ImageObject(o.Key, null, o.ETag, o.Bytes.Length, null, $"s3://{seeded.Bucket}/{o.Key}"), cts.Token));
    }

    [Theory]
    [InlineData("s3://bucket/key/with spaces.jpg", "bucket", "key/with spaces.jpg")]
    [InlineData("S3://bucket/a+b&c%20.jpg", "bucket", "a+b&c%20.jpg")]
    [InlineData("s3://bucket", "bucket", "")]
    [InlineData("s3://bucket/", "bucket", "")]
    public void S3Uri_parses_bucket_and_verbatim_key(string text, string bucket, string key)
    {
        Assert.True(S3Uri.TryParse(text, out S3Uri? uri));
        Assert.Equal(bucket, uri!.Bucket);
        Assert.Equal(key, uri.Key);
    }

    [Theory]
    [InlineData("bucket/key")]
    [InlineData("s3://")]
    [InlineData("s3:///key")]
    [InlineData("https://bucket.s3.amazonaws.com/key")]
    public void S3Uri_rejects_what_is_not_an_s3_location(string text)
    {
        Assert.False(S3Uri.TryParse(text, out _));
        Assert.Equal(S3ErrorIds.S3InvalidUri, Assert.Throws<S3SetupException>(() => S3Uri.Parse(text)).ErrorId);
    }

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'h', (byte)'\r', (byte)'\n' }, "h")]
    [InlineData(new byte[] { (byte)' ', (byte)'u', (byte)' ', (byte)'\t' }, "u")]
    [InlineData(new byte[0], "")]
    public void Url_text_loses_bom_and_surrounding_whitespace(byte[] bytes, string expected)
    {
        Assert.Equal(expected, JobUrlFile.Decode(bytes));
    }

    [Theory]
    [InlineData("\"abc\"", "abc")]
    [InlineData("\"0123456789abcdef0123456789abcdef-2\"", "0123456789abcdef0123456789abcdef-2")]
    [InlineData("abc", "abc")]
    public void ETag_loses_its_quotes_only(string raw, string expected)
    {
        Assert.Equal(expected, S3ImageSource.UnquoteETag(raw));
    }
}
