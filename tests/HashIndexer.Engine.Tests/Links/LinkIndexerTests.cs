using System.Net;
using DuckDB.NET.Data;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.Links;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Tests.Indexing;
using HashIndexer.Engine.Tests.S3;
using HashIndexer.TestSupport;

namespace HashIndexer.Engine.Tests.Links;

/// <summary>LinkIndexer against s3rver: every URL fetches its object; reruns reuse; the clock decides what is renewed.</summary>
[Collection(S3Collection.Name)]
public sealed class LinkIndexerTests
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly S3TestEnvironment _env;

    public LinkIndexerTests(S3TestEnvironment env)
    {
        _env = env;
    }

    [Theory]
    [InlineData(OutputTarget.LocalCsv)]
    [InlineData(OutputTarget.LocalParquet)]
    public async Task Every_url_fetches_exactly_its_objects_bytes(OutputTarget target)
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        var reporter = new RecordingReporter();
        LinksSettings links = Settings(dir, target);
        var indexer = new LinkIndexer(links, seeded.Bucket, S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix),
            LinkSigner.For(connection), reporter);

        LinkRunSummary summary = await indexer.RunAsync();

        List<SeededObject> images = [.. seeded.Images];
        Assert.Equal(images.Count, summary.Total);
        Assert.Equal(images.Count, summary.Generated);
        Assert.Equal(0, summary.Reused);
        List<LinkRecord> rows = await LinkIndexFile.ReadAsync(target, summary.OutputPath, CancellationToken.None);
        Assert.Equal(images.Select(i => i.Key).Order(StringComparer.Ordinal), rows.Select(r => r.Key));
        // The awkward keys are among them.
        Assert.Contains(rows, r => r.Key == TestBuckets.Keys.Unicode);
        Assert.Contains(rows, r => r.Key == TestBuckets.Keys.PlusAmpPercent);
        Assert.Contains(rows, r => r.Key == TestBuckets.Keys.UnicodeFolder);
        Assert.Contains(rows, r => r.Key == TestBuckets.Keys.SubFolderImage);
        foreach (LinkRecord row in rows)
        {
            Assert.Equal(TimeSpan.FromDays(7), row.ExpiresAt - row.GeneratedAt);
            using HttpResponseMessage response = await s_http.GetAsync(new Uri(row.Url));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{row.Key}: {(int)response.StatusCode}");
            byte[] body = await response.Content.ReadAsByteArrayAsync();
            Assert.True(seeded[row.Key].Bytes.AsSpan().SequenceEqual(body), $"{row.Key}: the URL returned other bytes ({body.Length} bytes, expected {seeded[row.Key].Bytes.Length})");
        }
        Assert.Equal(rows.Min(r => r.ExpiresAt), summary.ExpiresAt);
        AssertNoUrls(reporter);
    }

    [Fact]
    public async Task Parquet_times_are_utc_timestamps()
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero));
        var indexer = new LinkIndexer(Settings(dir, OutputTarget.LocalParquet), seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection), clock: clock);
        LinkRunSummary summary = await indexer.RunAsync();

        using var con = new DuckDBConnection("Data Source=:memory:");
        con.Open();
        var types = new Dictionary<string, string>();
        using (var cmd = con.CreateCommand())
        {
            cmd.CommandText = $"DESCRIBE SELECT * FROM read_parquet('{summary.OutputPath}')";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                types[r.GetString(0)] = r.GetString(1);
            }
        }
        Assert.Equal(["image_name", "presigned_url", "generated_at", "expires_at"], types.Keys);
        Assert.Equal("VARCHAR", types["presigned_url"]);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["generated_at"]);
        Assert.Equal("TIMESTAMP WITH TIME ZONE", types["expires_at"]);
        using (var cmd = con.CreateCommand())
        {
            cmd.CommandText = $"""
                SET TimeZone = 'UTC';
                SELECT DISTINCT strftime(generated_at, '%Y-%m-%dT%H:%M:%SZ'), strftime(expires_at, '%Y-%m-%dT%H:%M:%SZ')
                FROM read_parquet('{summary.OutputPath}')
                """;
            using var r = cmd.ExecuteReader();
            Assert.True(r.Read());
            // Signing time truncated to the second (X-Amz-Date), expiry exactly 7 days later.
            Assert.Equal("2026-03-04T05:06:07Z", r.GetString(0));
            Assert.Equal("2026-03-11T05:06:07Z", r.GetString(1));
            Assert.False(r.Read());
        }
    }

    [Fact]
    public async Task Csv_has_the_four_columns_with_iso_8601_utc_times()
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        var clock = new ManualClock(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)));
        var indexer = new LinkIndexer(Settings(dir, OutputTarget.LocalCsv) with { ExpiryDays = 2.5 }, seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection), clock: clock);
        LinkRunSummary summary = await indexer.RunAsync();

        string[] lines = (await File.ReadAllTextAsync(summary.OutputPath)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("image_name,presigned_url,generated_at,expires_at", lines[0]);
        Assert.Equal(summary.Total + 1, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.EndsWith(",2026-03-04T03:06:07Z,2026-03-06T15:06:07Z", l));
        Assert.Contains("X-Amz-Expires=216000&", lines[1]);
    }

    [Fact]
    public async Task Second_run_generates_nothing_and_leaves_the_file_alone()
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        LinkIndexer Indexer() => new(Settings(dir, OutputTarget.LocalCsv), seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection), clock: clock);

        LinkRunSummary first = await Indexer().RunAsync();
        byte[] before = await File.ReadAllBytesAsync(first.OutputPath);
        clock.Advance(TimeSpan.FromHours(5));
        LinkRunSummary second = await Indexer().RunAsync();

        Assert.Equal(first.Total, second.Generated + second.Reused);
        Assert.Equal(0, second.Generated);
        Assert.Equal(first.Total, second.Reused);
        Assert.Equal(0, second.Removed);
        Assert.False(second.OutputWritten);
        Assert.Equal(before, await File.ReadAllBytesAsync(second.OutputPath));

        LinkRunSummary forced = await Indexer().RunAsync(new LinkIndexOptions { Force = true });
        Assert.Equal(first.Total, forced.Generated);
        Assert.Equal(0, forced.Reused);
        Assert.Equal(first.ExpiresAt + TimeSpan.FromHours(5), forced.ExpiresAt);
    }

    [Fact]
    public async Task Advancing_the_clock_past_the_margin_renews_exactly_the_expiring_links()
    {
        const string bucket = "links-clock";
        const string root = "jobs/";
        await _env.S3.CreateBucketAsync(bucket);
        await _env.S3.PutTextAsync(bucket, root + "1/a.jpg", "a");
        await _env.S3.PutTextAsync(bucket, root + "1/b.jpg", "b");
        await _env.S3.PutTextAsync(bucket, root + "2/c.png", "c");
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        DateTimeOffset t0 = new(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(t0);
        var reporter = new RecordingReporter();
        LinkIndexer Indexer() => new(Settings(dir, OutputTarget.LocalCsv), bucket,
            S3TestEnvironment.Source(connection, bucket, root), LinkSigner.For(connection), reporter, clock);
        async Task<Dictionary<string, LinkRecord>> Links(LinkRunSummary s) =>
            (await LinkIndexFile.ReadAsync(OutputTarget.LocalCsv, s.OutputPath, CancellationToken.None)).ToDictionary(l => l.Key);

        LinkRunSummary run1 = await Indexer().RunAsync();
        Assert.Equal((3, 3, 0, 0), (run1.Total, run1.Generated, run1.Reused, run1.Removed));
        Dictionary<string, LinkRecord> links1 = await Links(run1);

        // Day 3: a new image; the others have 4 days left (more than the 1-day margin): kept.
        await _env.S3.PutTextAsync(bucket, root + "2/d.jpg", "d");
        clock.SetUtcNow(t0.AddDays(3));
        LinkRunSummary run2 = await Indexer().RunAsync();
        Assert.Equal((4, 1, 3, 0), (run2.Total, run2.Generated, run2.Reused, run2.Removed));
        Dictionary<string, LinkRecord> links2 = await Links(run2);
        foreach (string k in links1.Keys)
        {
            Assert.Equal(links1[k], links2[k]);
        }
        Assert.Equal(t0.AddDays(3), links2[root + "2/d.jpg"].GeneratedAt);
        Assert.Equal(t0.AddDays(7), run2.ExpiresAt);

        // Day 6 + 1 h: the first three have 23 h left (within the margin): renewed; d has 4 days left: kept.
        DateTimeOffset t3 = t0.AddDays(6).AddHours(1);
        clock.SetUtcNow(t3);
        LinkRunSummary run3 = await Indexer().RunAsync();
        Assert.Equal((4, 3, 1, 0), (run3.Total, run3.Generated, run3.Reused, run3.Removed));
        Dictionary<string, LinkRecord> links3 = await Links(run3);
        Assert.Equal(links2[root + "2/d.jpg"], links3[root + "2/d.jpg"]);
        foreach (string k in links1.Keys)
        {
            Assert.NotEqual(links2[k].Url, links3[k].Url);
            Assert.Equal(t3, links3[k].GeneratedAt);
            Assert.Equal(t3.AddDays(7), links3[k].ExpiresAt);
        }
        Assert.Equal(t0.AddDays(10), run3.ExpiresAt);

        // A deleted image is dropped from file and state.
        await _env.S3.Client.DeleteObjectAsync(bucket, root + "1/b.jpg");
        LinkRunSummary run4 = await Indexer().RunAsync();
        Assert.Equal((3, 0, 3, 1), (run4.Total, run4.Generated, run4.Reused, run4.Removed));
        Assert.DoesNotContain(root + "1/b.jpg", (await Links(run4)).Keys);
        LinkStateSnapshot? state = await LinkStateStore.ReadAsync(run4.StatePath, CancellationToken.None);
        Assert.Equal((await Links(run4)).Keys.Order(StringComparer.Ordinal), state!.Links.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(links3[root + "1/a.jpg"].Url, state.Links[root + "1/a.jpg"].Url);
        AssertNoUrls(reporter);
    }

    [Fact]
    public async Task Links_made_for_another_expiry_are_signed_again()
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        LinkRunSummary first = await new LinkIndexer(Settings(dir, OutputTarget.LocalCsv), seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection), clock: clock).RunAsync();
        LinkRunSummary second = await new LinkIndexer(Settings(dir, OutputTarget.LocalCsv) with { ExpiryDays = 3 }, seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection), clock: clock).RunAsync();
        Assert.Equal(first.Total, second.Generated);
        Assert.Equal(clock.GetUtcNow().AddDays(3).AddTicks(-(clock.GetUtcNow().Ticks % TimeSpan.TicksPerSecond)), second.ExpiresAt);
    }

    [Fact]
    public async Task An_expired_url_is_refused_by_the_server()
    {
        SeededBucket seeded = await _env.Standard;
        using S3Connection connection = _env.Connect();
        LinkSigner signer = LinkSigner.For(connection);
        SigningCredentials credentials = await signer.ResolveCredentialsAsync(TimeSpan.FromDays(7), CancellationToken.None);
        string key = TestBuckets.Keys.PlusAmpPercent;

        Uri fresh = signer.Sign(credentials, seeded.Bucket, key, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(60));
        using (HttpResponseMessage ok = await s_http.GetAsync(fresh))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        Uri expired = signer.Sign(credentials, seeded.Bucket, key, DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromSeconds(1));
        using HttpResponseMessage refused = await s_http.GetAsync(expired);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Request has expired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Links_signed_eight_days_ago_are_refused()
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddDays(-8));
        LinkRunSummary summary = await new LinkIndexer(Settings(dir, OutputTarget.LocalCsv), seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection), clock: clock).RunAsync();
        LinkRecord row = (await LinkIndexFile.ReadAsync(OutputTarget.LocalCsv, summary.OutputPath, CancellationToken.None))[0];
        using HttpResponseMessage refused = await s_http.GetAsync(new Uri(row.Url));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Request has expired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_file_and_state_are_owner_only_on_unix()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        LinkIndexer Indexer(OutputTarget t) => new(Settings(dir, t), seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection));
        foreach (OutputTarget t in new[] { OutputTarget.LocalCsv, OutputTarget.LocalParquet })
        {
            LinkRunSummary summary = await Indexer(t).RunAsync();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(summary.OutputPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(summary.StatePath));
        }

        // A file left unchanged because its bytes are the same is narrowed too (made before the rule, or chmod'ed).
        string csv = Settings(dir, OutputTarget.LocalCsv).OutputFilePath!;
        File.SetUnixFileMode(csv, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        LinkRunSummary again = await Indexer(OutputTarget.LocalCsv).RunAsync();
        Assert.False(again.OutputWritten);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(csv));
    }

    [Fact]
    public async Task WhatIf_writes_nothing()
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        LinkRunSummary summary = await new LinkIndexer(Settings(dir, OutputTarget.LocalCsv), seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix), LinkSigner.For(connection)).RunAsync(new LinkIndexOptions { WhatIf = true });
        Assert.True(summary.WhatIf);
        Assert.Equal(seeded.Images.Count(), summary.Generated);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Temporary_credentials_with_a_known_end_shorten_expires_at_and_warn()
    {
        SeededBucket seeded = await _env.Standard;
        using var dir = new TempDir();
        using S3Connection connection = _env.Connect();
        DateTimeOffset now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var session = new SigningCredentials(S3rverFixture.AccessKey, S3rverFixture.SecretKey, "session-token+/=", now.AddHours(12).AddMilliseconds(500));
        var reporter = new RecordingReporter();
        LinkRunSummary summary = await new LinkIndexer(Settings(dir, OutputTarget.LocalCsv), seeded.Bucket,
            S3TestEnvironment.Source(connection, seeded.Bucket, seeded.RootPrefix),
            new LinkSigner(session, connection.Info.Region, connection.Info.EndpointUrl), reporter, new ManualClock(now)).RunAsync();

        Assert.True(summary.TemporaryCredentials);
        Assert.Equal(now.AddHours(12), summary.ExpiresAt);
        Assert.Contains(reporter.Warnings, w => w.Contains("temporary credentials", StringComparison.Ordinal) && w.Contains("2026-06-02 00:00:00Z", StringComparison.Ordinal));
        List<LinkRecord> rows = await LinkIndexFile.ReadAsync(OutputTarget.LocalCsv, summary.OutputPath, CancellationToken.None);
        Assert.All(rows, r => Assert.Equal(now.AddHours(12), r.ExpiresAt));
        Assert.All(rows, r => Assert.Contains("X-Amz-Security-Token=session-token%2B%2F%3D", r.Url));
        // X-Amz-Expires still says 7 days: the session, not the signature, ends the link.
        Assert.All(rows, r => Assert.Contains("X-Amz-Expires=604800", r.Url));
        AssertNoUrls(reporter);
    }

    [Fact]
    public void Expiry_above_seven_days_names_the_key_and_the_limit()
    {
        ConfigurationException fromFile = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse(
            "s3: {bucket: b}\noutput: {path: x}\nstate: {path: s}\nlinks:\n  enabled: true\n  expiry_days: 8\n  output: {path: l}\n  state_path: ls\n", Path.GetTempPath()));
        Assert.Equal("links.expiry_days", fromFile.Key);
        Assert.Contains("7 days", fromFile.Message, StringComparison.Ordinal);
        Assert.Contains("SigV4", fromFile.Message, StringComparison.Ordinal);

        using var dir = new TempDir();
        ConfigurationException fromCode = Assert.Throws<ConfigurationException>(() => LinkIndexer.Validate(Settings(dir, OutputTarget.LocalCsv) with { ExpiryDays = 8 }));
        Assert.Equal("links.expiry_days", fromCode.Key);
        Assert.Contains("7 days", fromCode.Message, StringComparison.Ordinal);
        ConfigurationException margin = Assert.Throws<ConfigurationException>(() => LinkIndexer.Validate(Settings(dir, OutputTarget.LocalCsv) with { ExpiryDays = 1 }));
        Assert.Equal("links.refresh_margin_days", margin.Key);
    }

    private static LinksSettings Settings(TempDir dir, OutputTarget target) => new()
    {
        Enabled = true,
        ExpiryDays = 7,
        Workers = 4,
        OutputTarget = target,
        OutputPath = dir["out/links"],
        StatePath = dir["out/links_state.jsonl"],
        RefreshMarginDays = 1,
    };

    private static void AssertNoUrls(RecordingReporter reporter)
    {
        Assert.DoesNotContain(reporter.Verbose.Concat(reporter.Warnings), m => m.Contains("X-Amz-", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>A clock the test sets.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now;

    public ManualClock(DateTimeOffset now) => _now = now;

    public override DateTimeOffset GetUtcNow() => _now.ToUniversalTime();

    public void SetUtcNow(DateTimeOffset now) => _now = now;

    public void Advance(TimeSpan by) => _now += by;
}
