// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.S3;

/// <summary>
/// How to reach S3: the same knobs as AWS.Tools (-Region, -ProfileName, -AccessKey/-SecretKey/-SessionToken,
/// -EndpointUrl) plus an optional role to assume on top of whatever credentials are found.
/// </summary>
public sealed record S3ConnectionOptions
{
    /// <summary>Default for <see cref="TimeoutSeconds"/>: the original indexer's s3.timeout_seconds default.</summary>
    public const int DefaultTimeoutSeconds = 300;

    /// <summary>Default for <see cref="MaxAttempts"/>: the original indexer's botocore max_attempts.</summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>Region system name (eu-west-1). When null: the profile's region, then AWS_REGION / AWS_DEFAULT_REGION.</summary>
    public string? Region { get; init; }

    /// <summary>A profile in the shared credentials/config files (SSO and assume-role profiles included).</summary>
    public string? ProfileName { get; init; }

    /// <summary>The shared credentials file to read profiles from (AWS.Tools' -ProfileLocation); its folder's
    /// <c>config</c> file is read too unless AWS_CONFIG_FILE says otherwise. Null: the SDK's default locations.</summary>
    public string? ProfilesLocation { get; init; }

    /// <summary>Explicit access key; with <see cref="SecretKey"/> it wins over every other source.</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    public string? SessionToken { get; init; }

    /// <summary>Keys from a credential object (AWS.Tools' -Credential): used after -ProfileName and before the
    /// environment, as AWS.Tools does. Both or neither.</summary>
    public string? CredentialAccessKey { get; init; }

    public string? CredentialSecretKey { get; init; }

    public string? CredentialSessionToken { get; init; }

    /// <summary>
    /// Asks the credential object for its keys again (AWS.Tools' objects renew temporary keys themselves: assume-role,
    /// SSO). When set, every request signs with what it returns instead of the keys read at the start, so a run that
    /// lasts longer than the keys still works.
    /// </summary>
    public Func<CredentialKeys>? CredentialRefresh { get; init; }

    /// <summary>A role to assume (sts:AssumeRole) with the credentials found by the search order.</summary>
    public string? RoleArn { get; init; }

    public string? ExternalId { get; init; }

    /// <summary>Session name for <see cref="RoleArn"/>; default "HashIndexer".</summary>
    public string? RoleSessionName { get; init; }

    /// <summary>An S3-compatible endpoint (http://127.0.0.1:4568, MinIO, ...): path-style addressing, signed for the region.</summary>
    public string? EndpointUrl { get; init; }

    /// <summary>Per request, including reading the body of a GetObject.</summary>
    public int TimeoutSeconds { get; init; } = DefaultTimeoutSeconds;

    /// <summary>Attempts per request (first try included) before a transient failure is reported.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>Records print every property by default; these carry secrets, so only non-secret settings are printed.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Region = ").Append(Region)
            .Append(", ProfileName = ").Append(ProfileName)
            .Append(", AccessKey = ").Append(AccessKey is null ? null : "***")
            .Append(", CredentialAccessKey = ").Append(CredentialAccessKey is null ? null : "***")
            .Append(", RoleArn = ").Append(RoleArn)
            .Append(", EndpointUrl = ").Append(EndpointUrl)
            .Append(", TimeoutSeconds = ").Append(TimeoutSeconds);
        return true;
    }
}

/// <summary>Keys as a credential object hands them out.</summary>
public sealed record CredentialKeys(string AccessKey, string SecretKey, string? SessionToken);
