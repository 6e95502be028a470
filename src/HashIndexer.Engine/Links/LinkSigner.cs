// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using Amazon.Runtime;
using HashIndexer.Engine.S3;

namespace HashIndexer.Engine.Links;

/// <summary>
/// Signs presigned GET URLs with the connection's credentials, region and endpoint, through <see cref="SigV4Presigner"/>
/// (whose signing time is an input, so the run's injected clock decides X-Amz-Date).
/// </summary>
public sealed class LinkSigner
{
    private readonly Func<TimeSpan, CancellationToken, Task<SigningCredentials>> _resolve;

    /// <summary>Signs with the credentials the SDK resolved (any provider: keys, profiles, SSO, roles).</summary>
    public LinkSigner(AWSCredentials credentials, string region, string? endpointUrl)
        : this(region, endpointUrl, (lifetime, ct) => ResolveAsync(credentials, lifetime, ct))
    {
        ArgumentNullException.ThrowIfNull(credentials);
    }

    /// <summary>Signs with fixed credentials (tests, or keys already in hand).</summary>
    public LinkSigner(SigningCredentials credentials, string region, string? endpointUrl)
        : this(region, endpointUrl, (_, _) => Task.FromResult(credentials))
    {
        ArgumentNullException.ThrowIfNull(credentials);
    }

    private LinkSigner(string region, string? endpointUrl, Func<TimeSpan, CancellationToken, Task<SigningCredentials>> resolve)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        Region = region;
        Endpoint = string.IsNullOrWhiteSpace(endpointUrl) ? null : new Uri(endpointUrl, UriKind.Absolute);
        _resolve = resolve;
    }

    /// <summary>The region in the signature's scope.</summary>
    public string Region { get; }

    /// <summary>The S3-compatible endpoint (path-style URLs), or null for AWS (virtual-hosted URLs).</summary>
    public Uri? Endpoint { get; }

    /// <summary>What identifies where links point (not who signed them): links signed for another place are not reused.</summary>
    public string Target => $"region={Region};endpoint={Endpoint?.AbsoluteUri.TrimEnd('/') ?? "aws"}";

    /// <summary>The signer for an open connection (its credentials as the factory resolved them).</summary>
    public static LinkSigner For(S3Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        AWSCredentials credentials = connection.Credentials
            ?? throw new InvalidOperationException("The S3 connection carries no credentials to sign links with (it was not made by S3ConnectionFactory).");
        return new LinkSigner(credentials, connection.Info.Region, connection.Info.EndpointUrl);
    }

    /// <summary>
    /// The credentials to sign with, valid (when the provider can refresh them) for at least <paramref name="lifetime"/>;
    /// <see cref="SigningCredentials.Expiration"/> is when temporary ones end, when the provider says.
    /// </summary>
    public Task<SigningCredentials> ResolveCredentialsAsync(TimeSpan lifetime, CancellationToken cancellationToken) => _resolve(lifetime, cancellationToken);

    /// <summary>A presigned GET URL for <paramref name="bucket"/>/<paramref name="key"/>, signed at <paramref name="signingTime"/>.</summary>
    public Uri Sign(SigningCredentials credentials, string bucket, string key, DateTimeOffset signingTime, TimeSpan expiresIn) =>
        SigV4Presigner.Presign(credentials, Region, bucket, key, signingTime, expiresIn, Endpoint);

    private static async Task<SigningCredentials> ResolveAsync(AWSCredentials credentials, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ImmutableCredentials resolved;
        try
        {
            // Refreshing providers (assume-role, SSO, web identity, instance roles) renew credentials that would end
            // within the links' lifetime, so each link lives as long as the session allows.
            Task<ImmutableCredentials> task = credentials is RefreshingAWSCredentials refreshing
                ? refreshing.GetCredentialsAsync(lifetime)
                : credentials.GetCredentialsAsync();
            resolved = await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (S3SetupException)
        {
            throw;
        }
        catch (Exception ex) when (ex is AmazonClientException or AmazonServiceException or InvalidOperationException)
        {
            throw new S3SetupException(S3ErrorIds.AwsCredentialsNotFound,
                $"The credentials to sign the links with could not be obtained: {ex.Message}", ex);
        }
        DateTimeOffset? expiration = credentials.Expiration is DateTime e
            ? new DateTimeOffset(e.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : e.ToUniversalTime())
            : null;
        return new SigningCredentials(resolved.AccessKey, resolved.SecretKey, resolved.UseToken ? resolved.Token : null, expiration);
    }
}
