// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace HashIndexer.Engine.S3;

/// <summary>
/// sts:AssumeRole on top of the credentials the search order found, refreshed before they expire.
/// </summary>
/// <remarks>
/// The SDK's AssumeRoleAWSCredentials picks the STS region itself (and may probe instance metadata for it); this
/// one uses the resolved region, so an assume-role setup behaves the same on a laptop and on EC2.
/// </remarks>
internal sealed class AssumedRoleCredentials : RefreshingAWSCredentials
{
    private readonly AWSCredentials _source;
    private readonly string _roleArn;
    private readonly string _sessionName;
    private readonly string? _externalId;
    private readonly string _region;
    private readonly TimeSpan _timeout;

    public AssumedRoleCredentials(AWSCredentials source, string roleArn, string sessionName, string? externalId, string region, TimeSpan timeout)
    {
        _source = source;
        _roleArn = roleArn;
        _sessionName = sessionName;
        _externalId = externalId;
        _region = region;
        _timeout = timeout;
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
    }

    protected override CredentialsRefreshState GenerateNewCredentials() =>
        GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        var config = new AmazonSecurityTokenServiceConfig
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(_region),
            Timeout = _timeout,
        };
        using var sts = new AmazonSecurityTokenServiceClient(_source, config);
        try
        {
            AssumeRoleResponse response = await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = _roleArn,
                RoleSessionName = _sessionName,
                ExternalId = _externalId,
            }).ConfigureAwait(false);
            Credentials c = response.Credentials;
            DateTime expiration = c.Expiration ?? DateTime.UtcNow.AddMinutes(15);
            return new CredentialsRefreshState(new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), expiration.ToUniversalTime());
        }
        catch (AmazonServiceException ex)
        {
            throw new S3SetupException(S3ErrorIds.AwsAssumeRoleFailed,
                $"Assuming role {_roleArn} failed ({ex.ErrorCode}): {ex.Message} Check the role's trust policy{(_externalId is null ? "" : " and the external id")} and that the base credentials may call sts:AssumeRole.",
                ex);
        }
    }
}
