using System.Net;
using System.Net.Sockets;
using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using HashIndexer.TestSupport;

namespace HashIndexer.Engine.Tests.S3;

/// <summary>Setup problems become one S3SetupException with a stable error id and a message saying what to check.</summary>
[Collection(S3Collection.Name)]
public sealed class S3ErrorTests
{
    private readonly S3TestEnvironment _env;

    public S3ErrorTests(S3TestEnvironment env)
    {
        _env = env;
    }

    [Fact]
    public async Task Missing_bucket_is_S3BucketNotFound_naming_the_bucket()
    {
        using S3Connection connection = _env.Connect();
        var source = new S3ImageSource(connection, "no-such-bucket-here", "ODM Duplicate Image/");

        var listJobs = await Assert.ThrowsAsync<S3SetupException>(() => source.ListJobsAsync(CancellationToken.None).ToListAsync());
        var job = new ImageJob("1", "", "no-such-bucket-here", "ODM Duplicate Image/1/");
        var listImages = await Assert.ThrowsAsync<S3SetupException>(() => source.ListImagesAsync(job, new SkipCounter(), CancellationToken.None).ToListAsync());
        var read = await Assert.ThrowsAsync<S3SetupException>(() =>
            source.ReadAsync(new ImageObject("ODM Duplicate Image/1/a.jpg", job, "x", 1, null, "s3://no-such-bucket-here/ODM Duplicate Image/1/a.jpg"), CancellationToken.None));

        foreach (S3SetupException e in new[] { listJobs, listImages, read })
        {
            Assert.Equal(S3ErrorIds.S3BucketNotFound, e.ErrorId);
            Assert.Contains("'no-such-bucket-here'", e.Message);
            Assert.Equal("no-such-bucket-here", e.Bucket);
            Assert.Equal("NoSuchBucket", e.S3ErrorCode);
        }
    }

    [Fact]
    public void Credential_provider_failures_are_AwsCredentialsNotFound()
    {
        var info = new S3ConnectionInfo("eu-west-1", "-Region", "EC2 instance role (instance metadata)", null);
        var imds = new Amazon.Runtime.AmazonClientException("Failed to retrieve credentials from EC2 Instance Metadata Service.");
        var sso = new Amazon.Runtime.AmazonClientException("No valid SSO token could be found.");

        S3SetupException? a = S3ErrorMapper.ToSetupException(new S3RetriesExhaustedException(1, imds), "b", info);
        S3SetupException? b = S3ErrorMapper.ToSetupException(sso, "b", info);
        S3SetupException? other = S3ErrorMapper.ToSetupException(new Amazon.Runtime.AmazonClientException("Something else."), "b", info);

        Assert.Equal(S3ErrorIds.AwsCredentialsNotFound, a?.ErrorId);
        Assert.Contains("EC2 instance role", a!.Message);
        Assert.Equal(S3ErrorIds.AwsCredentialsNotFound, b?.ErrorId);
        Assert.Null(other);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_S3EndpointUnreachable()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }
        using S3Connection connection = _env.Connect($"http://127.0.0.1:{port}", maxAttempts: 2);
        var source = new S3ImageSource(connection, "bucket", null);

        var e = await Assert.ThrowsAsync<S3SetupException>(() => source.ListJobsAsync(CancellationToken.None).ToListAsync());

        Assert.Equal(S3ErrorIds.S3EndpointUnreachable, e.ErrorId);
        Assert.Contains($"http://127.0.0.1:{port}", e.Message);
    }

    [Theory]
    [InlineData(403, "AccessDenied", "Access Denied", S3ErrorIds.S3AccessDenied, "s3:ListBucket")]
    [InlineData(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", S3ErrorIds.AwsCredentialsRejected, "access key")]
    [InlineData(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.", S3ErrorIds.AwsCredentialsRejected, "secret key")]
    [InlineData(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", S3ErrorIds.S3RegionMismatch, "-Region")]
    [InlineData(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'", S3ErrorIds.S3RegionMismatch, "The bucket is in 'eu-west-1'")]
    public async Task Server_refusals_become_setup_errors(int status, string code, string message, string errorId, string advice)
    {
        SeededBucket seeded = await _env.Standard;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions
        {
            AlwaysFail = _ => true,
            PersistentFault = FaultKind.Error,
            ErrorStatus = status,
            ErrorCode = code,
            ErrorMessage = message,
        });
        using S3Connection connection = _env.Connect(proxy.ServiceUrl);
        var source = new S3ImageSource(connection, seeded.Bucket, TestBuckets.StandardRootPrefix);

        var e = await Assert.ThrowsAsync<S3SetupException>(() => source.ListJobsAsync(CancellationToken.None).ToListAsync());

        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains($"'{seeded.Bucket}'", e.Message);
        Assert.Contains(advice, e.Message);
        Assert.Equal(1, proxy.PersistentFailures); // a refusal is not retried
    }
}
