// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using Amazon.Runtime;
using Amazon.S3;

namespace HashIndexer.Engine.S3;

/// <summary>Where the credentials and the region came from, for -Verbose and error messages. Never secrets.</summary>
/// <param name="Region">The region requests are signed for.</param>
/// <param name="RegionSource">e.g. "-Region", "profile 'dev'", "AWS_REGION".</param>
/// <param name="CredentialSource">e.g. "explicit access key ...WXYZ", "profile 'dev'", "environment variables".</param>
/// <param name="EndpointUrl">The S3-compatible endpoint, or null for AWS.</param>
public sealed record S3ConnectionInfo(string Region, string RegionSource, string CredentialSource, string? EndpointUrl)
{
    /// <summary>One line for -Verbose.</summary>
    public string Description =>
        $"S3 {(EndpointUrl is null ? "(AWS)" : "at " + EndpointUrl)}, region {Region} (from {RegionSource}), credentials from {CredentialSource}";

    internal string WhereSuffix => EndpointUrl is null ? $" in region {Region}" : $" at {EndpointUrl}";
}

/// <summary>A configured S3 client with its retry policy and a description of where its settings came from.</summary>
public sealed class S3Connection : IDisposable
{
    public S3Connection(IAmazonS3 client, S3ConnectionInfo info, S3RetryPolicy retry)
    {
        Client = client;
        Info = info;
        Retry = retry;
    }

    public IAmazonS3 Client { get; }

    public S3ConnectionInfo Info { get; }

    public S3RetryPolicy Retry { get; }

    /// <summary>
    /// The credentials the client signs with (set by <see cref="S3ConnectionFactory"/>; null when built otherwise).
    /// For presigning: resolve them with GetCredentialsAsync; <c>Expiration</c> tells when temporary ones end, when known.
    /// </summary>
    public AWSCredentials? Credentials { get; init; }

    public string Description => Info.Description;

    public void Dispose() => Client.Dispose();
}
