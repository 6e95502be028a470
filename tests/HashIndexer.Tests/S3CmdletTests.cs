using System.Management.Automation;
using HashIndexer.TestSupport;

namespace HashIndexer.Tests;

/// <summary>Issue #4 through the real engine: Get-S3ImageJob | Get-ImagePHash against s3rver.</summary>
[Collection(S3ServerCollection.Name)]
public sealed class S3CmdletTests : IDisposable
{
    private readonly S3Server _server;
    private readonly PowerShellSession _session = new();

    public S3CmdletTests(S3Server server) => _server = server;

    public void Dispose() => _session.Dispose();

    [Fact]
    public void JobsAreListedWithTheirUrlFiles()
    {
        PowerShellResult result = _session.Invoke(
            $"Get-S3ImageJob -BucketName $args[0] -Prefix $args[1] {_server.Connection}", S3Server.Bucket, TestBuckets.StandardRootPrefix).ThrowOnErrors();
        Assert.Equal(_server.Standard.Jobs.Select(j => j.JobNumber), result.Output.Select(o => (string)o.Properties["JobNumber"].Value));
        foreach (SeededJob job in _server.Standard.Jobs)
        {
            PSObject listed = result.Output.Single(o => (string)o.Properties["JobNumber"].Value == job.JobNumber);
            Assert.Equal(job.ExpectedUrl, listed.Properties["JobUrl"].Value);
            Assert.Equal(job.Prefix, listed.Properties["Prefix"].Value);
            Assert.Equal(S3Server.Bucket, listed.Properties["BucketName"].Value);
        }
    }

    [Fact]
    public void JobsPipedIntoGetImagePHashGiveOneRowPerImageWithTheLocalFilesHashes()
    {
        PowerShellResult result = _session.Invoke(
            $"Get-S3ImageJob -BucketName $args[0] -Prefix $args[1] {_server.Connection} | Get-ImagePHash", S3Server.Bucket, TestBuckets.StandardRootPrefix);
        Assert.Null(result.Terminating);

        // The zero-byte .jpg is the only failure: one error record, target s3://bucket/key.
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.Equal($"s3://{S3Server.Bucket}/{TestBuckets.Keys.ZeroByte}", error.TargetObject);
        Assert.StartsWith("ImageDecodeFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);

        SeededObject[] expected = [.. _server.Standard.Images.Where(o => o.Key != TestBuckets.Keys.ZeroByte).OrderBy(o => o.Key, StringComparer.Ordinal)];
        Assert.Equal(expected.Select(o => o.Key), result.Output.Select(o => (string)o.Properties["image_name"].Value).Order(StringComparer.Ordinal));
        foreach (PSObject row in result.Output)
        {
            SeededObject seeded = _server.Standard[(string)row.Properties["image_name"].Value];
            SeededJob job = _server.Standard.Jobs.Single(j => j.JobNumber == seeded.JobNumber);
            Assert.Equal(job.JobNumber, row.Properties["job_number"].Value);
            Assert.Equal(job.ExpectedUrl, row.Properties["job_url"].Value);
            Assert.Equal(seeded.ETag, row.Properties["etag"].Value);
            Assert.Equal((long)seeded.Bytes.Length, row.Properties["size"].Value);
            Assert.Equal(
                ["image_name", "job_number", "job_url", "original_hash", "h_flip_hash", "v_flip_hash", "etag", "size", "last_modified"],
                row.Properties.Select(p => p.Name));

            // The same bytes hashed from a local file give the same row hashes.
            string local = Path.Combine(Path.GetTempPath(), "hashindexer-s3-" + Guid.NewGuid().ToString("N") + Path.GetExtension(seeded.Key));
            File.WriteAllBytes(local, seeded.Bytes);
            try
            {
                PSObject fromFile = _session.Invoke("Get-ImagePHash -LiteralPath $args[0]", local).ThrowOnErrors().Output.Single();
                foreach (string column in new[] { "original_hash", "h_flip_hash", "v_flip_hash" })
                {
                    Assert.Equal(fromFile.Properties[column].Value, row.Properties[column].Value);
                }
            }
            finally
            {
                File.Delete(local);
            }
        }
    }

    [Fact]
    public void S3ObjectsByPropertyNameAndS3UrlsPipeIn()
    {
        // AWS.Tools' Get-S3Object emits objects with BucketName and Key (and more); these stand in for them.
        PowerShellResult byProperty = _session.Invoke(
            $"[pscustomobject]@{{ BucketName = $args[0]; Key = $args[1]; Size = 1 }} | Get-ImagePHash -Prefix $args[2] {_server.Connection}",
            S3Server.Bucket, TestBuckets.Keys.Unicode, TestBuckets.StandardRootPrefix).ThrowOnErrors();
        PSObject row = Assert.Single(byProperty.Output);
        Assert.Equal(TestBuckets.Keys.Unicode, row.Properties["image_name"].Value);
        Assert.Equal("1003", row.Properties["job_number"].Value);

        PowerShellResult byUrl = _session.Invoke(
            $"Get-ImagePHash -Path $args[0] -Prefix $args[1] {_server.Connection}",
            $"s3://{S3Server.Bucket}/{TestBuckets.Keys.PlusAmpPercent}", TestBuckets.StandardRootPrefix).ThrowOnErrors();
        Assert.Equal(TestBuckets.Keys.PlusAmpPercent, Assert.Single(byUrl.Output).Properties["image_name"].Value);
    }

    [Fact]
    public void AMissingBucketIsOneTerminatingErrorNamingIt()
    {
        PowerShellResult result = _session.Invoke($"Get-S3ImageJob -BucketName no-such-bucket-here -Prefix x/ {_server.Connection}");
        // A statement-terminating error: the cmdlet stops at once, nothing is written to the pipeline.
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.Empty(result.Output);
        Assert.StartsWith("S3BucketNotFound", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains("no-such-bucket-here", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetAwsCredentialShellDefaultsAreUsed()
    {
        // AWS.Tools' Set-AWSCredential stores an AWSPSCredentials whose AWSCredentials are internal; this stands in for it.
        _session.Invoke("$global:StoredAWSCredentials = $args[0]", new StoredCredentialsLikeAwsTools()).ThrowOnErrors();
        PowerShellResult result = _session.Invoke(
            $"Get-S3ImageJob -BucketName $args[0] -Prefix $args[1] -EndpointUrl '{_server.S3.ServiceUrl}' -Region us-east-1", S3Server.Bucket, TestBuckets.StandardRootPrefix).ThrowOnErrors();
        Assert.Equal(_server.Standard.Jobs.Count, result.Output.Count);
    }

    /// <summary>
    /// A credential object is asked for its keys at each request, as AWS.Tools' own cmdlets do, so temporary keys it
    /// renews (assume-role, SSO) keep a long run going instead of expiring with the keys read at the start.
    /// </summary>
    [Fact]
    public void CredentialObjectsAreAskedAgainForEachRequest()
    {
        var credential = new RenewingCredentials();
        PowerShellResult result = _session.Invoke(
            $"Get-S3ImageJob -BucketName $args[0] -Prefix $args[1] -Credential $args[2] -EndpointUrl '{_server.S3.ServiceUrl}' -Region us-east-1 -Verbose",
            S3Server.Bucket, TestBuckets.StandardRootPrefix, credential).ThrowOnErrors();
        Assert.Equal(_server.Standard.Jobs.Count, result.Output.Count);
        // Once when the cmdlet starts, then once per signed request (the job listing and every job's url.txt).
        Assert.True(credential.Calls >= 2 + _server.Standard.Jobs.Count, $"asked {credential.Calls} times");
        Assert.Contains(result.Verbose, m => m.Contains("asked again for each request", StringComparison.Ordinal));
    }

    /// <summary>Shaped like the SDK's refreshing credentials (AssumeRoleAWSCredentials): new session keys each time.</summary>
    public sealed class RenewingCredentials : Amazon.Runtime.AWSCredentials
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override Amazon.Runtime.ImmutableCredentials GetCredentials()
            => new(S3rverFixture.AccessKey, S3rverFixture.SecretKey, "session-" + Interlocked.Increment(ref _calls));
    }

    [Fact]
    public void KeysThatAreNotImagesAreSkippedNotErrors()
    {
        // Get-S3Object returns url.txt files and folder markers too.
        PowerShellResult result = _session.Invoke(
            $"$bucket = $args[0]; $args[2] | ForEach-Object {{ [pscustomobject]@{{ BucketName = $bucket; Key = $_ }} }} | Get-ImagePHash -Prefix $args[1] {_server.Connection}",
            S3Server.Bucket, TestBuckets.StandardRootPrefix, new[] { TestBuckets.Keys.Job1Url, TestBuckets.StandardRootPrefix + "1001/", TestBuckets.Keys.Unicode }).ThrowOnErrors();
        Assert.Equal(TestBuckets.Keys.Unicode, Assert.Single(result.Output).Properties["image_name"].Value);
    }

    /// <summary>Shaped like Amazon.PowerShell.Common.AWSPSCredentials: the keys sit behind an internal Credentials property.</summary>
    public sealed class StoredCredentialsLikeAwsTools
    {
        internal Amazon.Runtime.AWSCredentials Credentials { get; } = new Amazon.Runtime.BasicAWSCredentials(S3rverFixture.AccessKey, S3rverFixture.SecretKey);
    }
}
