// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;

namespace HashIndexer.Engine.S3;

/// <summary>
/// Builds the S3 client the way AWS.Tools for PowerShell finds credentials and region, so users' existing setups work:
/// credentials from explicit keys, then -ProfileName (SSO and assume-role profiles included), then a credential
/// object's keys, then the environment variables, then the default profile (AWS_PROFILE or "default"), then web identity, container and instance roles;
/// optionally a role assumed on top. Region from -Region, then the named profile, then AWS_REGION/AWS_DEFAULT_REGION,
/// then the default profile.
/// </summary>
public sealed class S3ConnectionFactory
{
    private readonly Func<string, string?> _environment;

    public S3ConnectionFactory()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>For tests: environment variables come from <paramref name="environment"/>, not the process.</summary>
    public S3ConnectionFactory(Func<string, string?> environment)
    {
        _environment = environment;
    }

    /// <summary>Creates the client. Throws <see cref="S3SetupException"/> for an unknown profile, no credentials or no region.</summary>
    public S3Connection Create(S3ConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TimeoutSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "TimeoutSeconds must be positive.");
        }

        var profiles = new CredentialProfileStoreChain(options.ProfilesLocation);
        (AWSCredentials credentials, string credentialSource) = ResolveCredentials(options, profiles);
        (string region, string regionSource) = ResolveRegion(options, profiles);

        if (!string.IsNullOrWhiteSpace(options.RoleArn))
        {
            credentials = new AssumedRoleCredentials(credentials, options.RoleArn, options.RoleSessionName ?? "HashIndexer",
                options.ExternalId, region, TimeSpan.FromSeconds(options.TimeoutSeconds));
            credentialSource = $"role {options.RoleArn}{(options.ExternalId is null ? "" : " (with external id)")} assumed with {credentialSource}";
        }

        var config = new AmazonS3Config
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            // S3RetryPolicy does every retry (see there why); the SDK makes one attempt per call.
            MaxErrorRetry = 0,
            RetryMode = RequestRetryMode.Standard,
        };
        string? endpoint = null;
        if (!string.IsNullOrWhiteSpace(options.EndpointUrl))
        {
            if (!Uri.TryCreate(options.EndpointUrl, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new S3SetupException(S3ErrorIds.S3EndpointUnreachable,
                    $"The endpoint URL '{options.EndpointUrl}' is not an absolute http:// or https:// URL.");
            }
            endpoint = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region;
            // S3-compatible servers rarely know the newer flexible checksums (s3rver stores their framing as data).
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        var client = new AmazonS3Client(credentials, config);
        var info = new S3ConnectionInfo(region, regionSource, credentialSource, endpoint);
        var retry = new S3RetryPolicy(Math.Max(1, options.MaxAttempts), TimeSpan.FromSeconds(options.TimeoutSeconds));
        return new S3Connection(client, info, retry) { Credentials = credentials };
    }

    /// <summary>The credential search order; returns the credentials and a description of their source.</summary>
    internal (AWSCredentials Credentials, string Source) ResolveCredentials(S3ConnectionOptions options, CredentialProfileStoreChain profiles)
    {
        // 1. Explicit keys (also what the cmdlets pass for a -Credential object).
        if (!string.IsNullOrEmpty(options.AccessKey) || !string.IsNullOrEmpty(options.SecretKey))
        {
            if (string.IsNullOrEmpty(options.AccessKey) || string.IsNullOrEmpty(options.SecretKey))
            {
                throw new S3SetupException(S3ErrorIds.AwsCredentialsNotFound,
                    "An access key needs its secret key and a secret key its access key: pass both -AccessKey and -SecretKey.");
            }
            return (Basic(options.AccessKey, options.SecretKey, options.SessionToken),
                $"explicit access key {Mask(options.AccessKey)}{(string.IsNullOrEmpty(options.SessionToken) ? "" : " with session token")}");
        }

        // 2. The named profile: must exist.
        if (!string.IsNullOrEmpty(options.ProfileName))
        {
            if (!profiles.TryGetProfile(options.ProfileName, out CredentialProfile? profile))
            {
                throw new S3SetupException(S3ErrorIds.AwsProfileNotFound,
                    $"The AWS profile '{options.ProfileName}' was not found in {ProfileFilesDescription(options)}. Check the profile name (aws configure list-profiles) or pass -ProfileLocation.");
            }
            return (FromProfile(profile, profiles), $"profile '{options.ProfileName}'{ProfileKind(profile)}");
        }

        // 3. A credential object's keys.
        if (!string.IsNullOrEmpty(options.CredentialAccessKey) || !string.IsNullOrEmpty(options.CredentialSecretKey))
        {
            if (string.IsNullOrEmpty(options.CredentialAccessKey) || string.IsNullOrEmpty(options.CredentialSecretKey))
            {
                throw new S3SetupException(S3ErrorIds.AwsCredentialsNotFound,
                    "The credential object has an access key without a secret key, or a secret key without an access key.");
            }
            if (options.CredentialRefresh is { } refresh)
            {
                return (new ObjectCredentials(refresh), $"credential object (access key {Mask(options.CredentialAccessKey)}; asked again for each request)");
            }
            return (Basic(options.CredentialAccessKey, options.CredentialSecretKey, options.CredentialSessionToken),
                $"credential object (access key {Mask(options.CredentialAccessKey)})");
        }

        // 4. Environment variables.
        string? envKey = Env("AWS_ACCESS_KEY_ID") ?? Env("AWS_ACCESS_KEY");
        string? envSecret = Env("AWS_SECRET_ACCESS_KEY") ?? Env("AWS_SECRET_KEY");
        if (envKey is not null && envSecret is not null)
        {
            string? token = Env("AWS_SESSION_TOKEN");
            return (Basic(envKey, envSecret, token), $"environment variables (AWS_ACCESS_KEY_ID {Mask(envKey)})");
        }

        // 5. The default profile: AWS_PROFILE, else "default".
        string defaultName = DefaultProfileName;
        // A default profile with only settings (say, a region) and no credentials is passed over, as the SDKs do.
        if (profiles.TryGetProfile(defaultName, out CredentialProfile? defaultProfile)
            && TryFromProfile(defaultProfile, profiles) is { } defaultCredentials)
        {
            return (defaultCredentials, $"default profile '{defaultName}'{ProfileKind(defaultProfile)}");
        }
        if (Env("AWS_PROFILE") is { } named)
        {
            throw new S3SetupException(S3ErrorIds.AwsProfileNotFound,
                $"The AWS profile '{named}' named by AWS_PROFILE was not found (or has no credentials) in {ProfileFilesDescription(options)}.");
        }

        // 6. Web identity (EKS), container (ECS) and instance (EC2) roles.
        if (Env("AWS_WEB_IDENTITY_TOKEN_FILE") is not null && Env("AWS_ROLE_ARN") is { } webRole)
        {
            return (AssumeRoleWithWebIdentityCredentials.FromEnvironmentVariables(), $"web identity role {webRole}");
        }
        if (Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is not null || Env("AWS_CONTAINER_CREDENTIALS_FULL_URI") is not null)
        {
            return (new GenericContainerCredentials(), "container credentials (ECS/EKS pod identity)");
        }
        if (!string.Equals(Env("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return (new InstanceProfileAWSCredentials(), "EC2 instance role (instance metadata)");
        }

        throw new S3SetupException(S3ErrorIds.AwsCredentialsNotFound,
            $"No AWS credentials were found: no -AccessKey/-SecretKey, no -ProfileName, no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, no credentials in profile '{defaultName}' ({ProfileFilesDescription(options)}), and instance metadata is disabled (AWS_EC2_METADATA_DISABLED).");
    }

    /// <summary>-Region, then the named profile's region, then AWS_REGION/AWS_DEFAULT_REGION, then the default profile's.</summary>
    internal (string Region, string Source) ResolveRegion(S3ConnectionOptions options, CredentialProfileStoreChain profiles)
    {
        if (!string.IsNullOrWhiteSpace(options.Region))
        {
            return (options.Region.Trim(), "-Region");
        }
        if (!string.IsNullOrEmpty(options.ProfileName)
            && profiles.TryGetProfile(options.ProfileName, out CredentialProfile? profile) && profile.Region is { } profileRegion)
        {
            return (profileRegion.SystemName, $"profile '{options.ProfileName}'");
        }
        if (Env("AWS_REGION") is { } envRegion)
        {
            return (envRegion.Trim(), "AWS_REGION");
        }
        if (Env("AWS_DEFAULT_REGION") is { } envDefault)
        {
            return (envDefault.Trim(), "AWS_DEFAULT_REGION");
        }
        if (profiles.TryGetProfile(DefaultProfileName, out CredentialProfile? defaultProfile) && defaultProfile.Region is { } defaultRegion)
        {
            return (defaultRegion.SystemName, $"default profile '{DefaultProfileName}'");
        }
        if (!string.IsNullOrWhiteSpace(options.EndpointUrl))
        {
            // S3-compatible servers ignore the region but SigV4 needs one; us-east-1 is what every S3 client assumes.
            return ("us-east-1", "the default for a custom endpoint");
        }
        throw new S3SetupException(S3ErrorIds.AwsRegionNotFound,
            "No AWS region was given: pass -Region (or aws.region in the config file), set region in the profile, or set AWS_REGION.");
    }

    private string DefaultProfileName => Env("AWS_PROFILE") ?? "default";

    private string? Env(string name) => _environment(name) is { Length: > 0 } value ? value : null;

    private static AWSCredentials FromProfile(CredentialProfile profile, CredentialProfileStoreChain profiles)
    {
        try
        {
            if (AWSCredentialsFactory.TryGetAWSCredentials(profile, profiles, out AWSCredentials? credentials))
            {
                return credentials;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new S3SetupException(S3ErrorIds.AwsProfileInvalid,
                $"The AWS profile '{profile.Name}' could not be used: {ex.Message}", ex);
        }
        throw new S3SetupException(S3ErrorIds.AwsProfileInvalid,
            $"The AWS profile '{profile.Name}' has no usable credentials (keys, SSO, role or credential_process). Check its settings in the shared config and credentials files.");
    }

    private static AWSCredentials? TryFromProfile(CredentialProfile profile, CredentialProfileStoreChain profiles)
    {
        try
        {
            return AWSCredentialsFactory.TryGetAWSCredentials(profile, profiles, out AWSCredentials? credentials) ? credentials : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    private static string ProfileKind(CredentialProfile profile)
    {
        CredentialProfileOptions o = profile.Options;
        if (!string.IsNullOrEmpty(o.SsoStartUrl) || !string.IsNullOrEmpty(o.SsoSession))
        {
            return " (SSO)";
        }
        if (!string.IsNullOrEmpty(o.RoleArn))
        {
            return $" (role {o.RoleArn})";
        }
        if (!string.IsNullOrEmpty(o.CredentialProcess))
        {
            return " (credential_process)";
        }
        return string.IsNullOrEmpty(o.AccessKey) ? "" : $" (access key {Mask(o.AccessKey)})";
    }

    private string ProfileFilesDescription(S3ConnectionOptions options)
    {
        if (!string.IsNullOrEmpty(options.ProfilesLocation))
        {
            return $"'{options.ProfilesLocation}' and the config file beside it";
        }
        string credentials = Env("AWS_SHARED_CREDENTIALS_FILE") ?? "~/.aws/credentials";
        string config = Env("AWS_CONFIG_FILE") ?? "~/.aws/config";
        return $"'{credentials}' and '{config}'";
    }

    /// <summary>A credential object's current keys at each signing: it renews temporary keys itself.</summary>
    private sealed class ObjectCredentials(Func<CredentialKeys> read) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials()
        {
            CredentialKeys keys = read();
            return new ImmutableCredentials(keys.AccessKey, keys.SecretKey, keys.SessionToken);
        }
    }

    private static AWSCredentials Basic(string key, string secret, string? token) =>
        string.IsNullOrEmpty(token) ? new BasicAWSCredentials(key, secret) : new SessionAWSCredentials(key, secret, token);

    /// <summary>Access key ids are not secret, but the last four characters are all anyone needs to recognise one.</summary>
    internal static string Mask(string accessKey) => accessKey.Length <= 4 ? "****" : "..." + accessKey[^4..];
}
