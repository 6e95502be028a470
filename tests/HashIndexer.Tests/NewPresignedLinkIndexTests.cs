using System.Management.Automation;
using System.Net;
using System.Text;
using HashIndexer.TestSupport;

namespace HashIndexer.Tests;

/// <summary>One s3rver with the standard bucket for the hosted New-PresignedLinkIndex tests.</summary>
public sealed class PresignedLinkServer : IAsyncLifetime
{
    public const string Bucket = "links-hosted";

    public S3rverFixture S3 { get; private set; } = null!;

    public SeededBucket Seeded { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        S3 = await S3rverFixture.StartAsync();
        Seeded = await TestBuckets.SeedStandardAsync(S3, Bucket);
    }

    public async Task DisposeAsync() => await S3.DisposeAsync();
}

/// <summary>New-PresignedLinkIndex through the real PowerShell engine, against s3rver.</summary>
public sealed class NewPresignedLinkIndexTests : IClassFixture<PresignedLinkServer>, IDisposable
{
    private const int ProgressActivityId = 0x4C4B;
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly PresignedLinkServer _server;
    private readonly string _dir;

    public NewPresignedLinkIndexTests(PresignedLinkServer server)
    {
        _server = server;
        _dir = Directory.CreateTempSubdirectory("hashindexer-links-").FullName;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Every_link_fetches_its_object_and_a_rerun_generates_nothing()
    {
        string config = WriteConfig(enabled: true);
        using var session = new PowerShellSession();

        PowerShellResult first = session.Invoke("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -Verbose", config).ThrowOnErrors();

        PSObject summary = Assert.Single(first.Output);
        Assert.Equal("HashIndexer.LinkIndexSummary", summary.TypeNames[0]);
        int images = _server.Seeded.Images.Count();
        Assert.Equal(images, (int)PowerShellResult.Property(summary, "Total")!);
        Assert.Equal(images, (int)PowerShellResult.Property(summary, "Generated")!);
        Assert.Equal(0, (int)PowerShellResult.Property(summary, "Reused")!);
        Assert.Equal(0, (int)PowerShellResult.Property(summary, "Removed")!);
        Assert.IsType<TimeSpan>(PowerShellResult.Property(summary, "Duration"));
        string outputPath = (string)PowerShellResult.Property(summary, "OutputPath")!;
        Assert.Equal(Path.Combine(_dir, "out", "links.csv"), outputPath);

        // Every URL fetches exactly its object's bytes; expires_at - generated_at is the configured 5 days.
        List<(string Key, string Url, DateTimeOffset Generated, DateTimeOffset Expires)> rows = ReadCsv(outputPath);
        Assert.Equal(images, rows.Count);
        Assert.Contains(rows, r => r.Key == TestBuckets.Keys.Unicode);
        Assert.Contains(rows, r => r.Key == TestBuckets.Keys.PlusAmpPercent);
        Assert.Contains(rows, r => r.Key == TestBuckets.Keys.UnicodeFolder);
        foreach (var row in rows)
        {
            Assert.Equal(TimeSpan.FromDays(5), row.Expires - row.Generated);
            using HttpResponseMessage response = await s_http.GetAsync(new Uri(row.Url));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{row.Key}: {(int)response.StatusCode}");
            Assert.Equal(_server.Seeded[row.Key].Bytes, await response.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(rows.Min(r => r.Expires), (DateTimeOffset)PowerShellResult.Property(summary, "ExpiresAt")!);

        // Owner-only files; no URL in any stream; one progress activity, completed.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(outputPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "out", "links_state.jsonl")));
        }
        Assert.NotEmpty(first.Verbose);
        Assert.DoesNotContain(first.Verbose.Concat(first.Warnings), m => m.Contains("X-Amz-", StringComparison.OrdinalIgnoreCase));
        Assert.NotEmpty(first.Progress);
        // One stable id per activity (listing, signing), from the command's own range, and each bar ends Completed.
        Assert.All(first.Progress, p => Assert.InRange(p.ActivityId, ProgressActivityId, ProgressActivityId + 7));
        foreach (IGrouping<int, ProgressRecord> bar in first.Progress.GroupBy(p => p.ActivityId))
        {
            Assert.Single(bar.Select(p => p.Activity).Distinct());
            Assert.Equal(ProgressRecordType.Completed, bar.Last().RecordType);
        }

        PowerShellResult second = session.Invoke("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER", config).ThrowOnErrors();
        PSObject again = Assert.Single(second.Output);
        Assert.Equal(0, (int)PowerShellResult.Property(again, "Generated")!);
        Assert.Equal(images, (int)PowerShellResult.Property(again, "Reused")!);
        Assert.Equal(rows, ReadCsv(outputPath));

        PowerShellResult forced = session.Invoke("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -Force -ExpiryDays 2 -ThrottleLimit 2 -OutputPath $args[1]",
            config, Path.Combine(_dir, "other", "links2")).ThrowOnErrors();
        PSObject f = Assert.Single(forced.Output);
        Assert.Equal(images, (int)PowerShellResult.Property(f, "Generated")!);
        List<(string Key, string Url, DateTimeOffset Generated, DateTimeOffset Expires)> forcedRows = ReadCsv(Path.Combine(_dir, "other", "links2.csv"));
        Assert.All(forcedRows, r => Assert.Equal(TimeSpan.FromDays(2), r.Expires - r.Generated));
    }

    [Fact]
    public void A_session_token_warns_that_links_end_with_the_session()
    {
        string config = WriteConfig(enabled: true);
        using var session = new PowerShellSession();
        PowerShellResult result = session.Invoke("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -SessionToken example-session-token", config).ThrowOnErrors();
        PSObject summary = Assert.Single(result.Output);
        Assert.True((bool)PowerShellResult.Property(summary, "TemporaryCredentials")!);
        Assert.Null(PowerShellResult.Property(summary, "CredentialExpiresAt"));
        Assert.Contains(result.Warnings, w => w.Contains("temporary credentials", StringComparison.Ordinal) && w.Contains("not known", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("X-Amz-", StringComparison.OrdinalIgnoreCase) || w.Contains("example-session-token", StringComparison.Ordinal));
        Assert.All(ReadCsv(Path.Combine(_dir, "out", "links.csv")), r => Assert.Contains("X-Amz-Security-Token=example-session-token", r.Url, StringComparison.Ordinal));
    }

    [Fact]
    public void Disabled_links_say_so_and_write_nothing()
    {
        string config = WriteConfig(enabled: false);
        using var session = new PowerShellSession();
        PowerShellResult result = session.Invoke("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER", config).ThrowOnErrors();
        Assert.Empty(result.Output);
        Assert.Contains(result.Warnings, w => w.Contains("links.enabled is false", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void WhatIf_writes_nothing()
    {
        string config = WriteConfig(enabled: true);
        using var session = new PowerShellSession();
        PowerShellResult result = session.Invoke("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -WhatIf", config).ThrowOnErrors();
        PSObject summary = Assert.Single(result.Output);
        Assert.True((bool)PowerShellResult.Property(summary, "WhatIf")!);
        Assert.Equal(_server.Seeded.Images.Count(), (int)PowerShellResult.Property(summary, "Generated")!);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void Expiry_of_eight_days_is_a_terminating_error_naming_the_key()
    {
        using var session = new PowerShellSession();
        string config = WriteConfig(enabled: true, expiryDays: "8");
        PowerShellResult result = session.Invoke(Catching("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER"), config);
        ErrorRecord error = TerminatingError(result);
        Assert.StartsWith("ConfigurationInvalid", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("links.expiry_days", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("7 days", error.ToString(), StringComparison.Ordinal);

        // The same limit for -ExpiryDays.
        string good = WriteConfig(enabled: true);
        PowerShellResult fromParameter = session.Invoke(Catching("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER -ExpiryDays 8"), good);
        ErrorRecord parameterError = TerminatingError(fromParameter);
        Assert.StartsWith("ConfigurationInvalid", parameterError.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("links.expiry_days", parameterError.ToString(), StringComparison.Ordinal);
        Assert.Contains("7 days", parameterError.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void A_missing_bucket_is_a_terminating_error()
    {
        using var session = new PowerShellSession();
        string config = WriteConfig(enabled: true, bucket: "no-such-bucket");
        PowerShellResult result = session.Invoke(Catching("New-PresignedLinkIndex -Config $args[0] -AccessKey S3RVER -SecretKey S3RVER"), config);
        ErrorRecord error = TerminatingError(result);
        Assert.StartsWith("S3BucketNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "out", "links.csv")));
    }

    /// <summary>try/catch catches terminating errors only: the catch block outputs the record, a non-terminating error would not get there.</summary>
    private static string Catching(string command) => $"try {{ {command}; 'not reached' }} catch {{ $_ }}";

    private static ErrorRecord TerminatingError(PowerShellResult result)
    {
        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        PSObject output = Assert.Single(result.Output);
        return Assert.IsType<ErrorRecord>(output.BaseObject);
    }

    private string WriteConfig(bool enabled, string expiryDays = "5", string bucket = PresignedLinkServer.Bucket)
    {
        string yaml = $"""
            s3:
              bucket: {bucket}
              root_prefix: "{TestBuckets.StandardRootPrefix}"
              endpoint_url: {_server.S3.ServiceUrl}
            output:
              path: ./out/index
            state:
              path: ./out/state.json
            links:
              enabled: {(enabled ? "true" : "false")}
              expiry_days: {expiryDays}
              workers: 4
              output:
                target: local_csv
                path: ./out/links
              state_path: ./out/links_state.jsonl
              refresh_margin_days: 1
            """;
        string path = Path.Combine(_dir, "main_config.yaml");
        File.WriteAllText(path, yaml, new UTF8Encoding(false));
        return path;
    }

    /// <summary>The links CSV: no field here needs quoting (keys have no comma, URLs are percent-encoded).</summary>
    private static List<(string Key, string Url, DateTimeOffset Generated, DateTimeOffset Expires)> ReadCsv(string path)
    {
        string[] lines = File.ReadAllText(path, Encoding.UTF8).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("image_name,presigned_url,generated_at,expires_at", lines[0]);
        return lines.Skip(1).Select(l =>
        {
            Assert.DoesNotContain('"', l);
            string[] f = l.Split(',');
            Assert.Equal(4, f.Length);
            Assert.EndsWith("Z", f[2], StringComparison.Ordinal);
            return (f[0], f[1], DateTimeOffset.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();
    }
}
