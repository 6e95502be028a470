// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using System.Net;
using System.Reflection;
using HashIndexer.Engine.S3;

namespace HashIndexer.Commands;

/// <summary>
/// Connection parameters in AWS.Tools' style, shared by every cmdlet that can reach S3. Each one is
/// also a config key (aws.region, aws.profile, aws.assume_role_arn, aws.external_id, s3.endpoint_url);
/// a parameter given on the command line wins over the file.
/// </summary>
public abstract class S3AwareCmdlet : HashIndexerCmdlet
{
    #region Parameters

    /// <summary>AWS region, e.g. eu-west-1 (aws.region).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    /// <summary>A profile from the shared config/credentials files, SSO profiles included (aws.profile).</summary>
    [Parameter]
    [Alias("StoredCredentials", "AWSProfileName")]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    /// <summary>Access key id; with -SecretKey (and -SessionToken for temporary keys).</summary>
    [Parameter]
    [Alias("AK")]
    [ValidateNotNullOrEmpty]
    public string? AccessKey { get; set; }

    /// <summary>Secret access key.</summary>
    [Parameter]
    [Alias("SK", "SecretAccessKey")]
    [ValidateNotNullOrEmpty]
    public string? SecretKey { get; set; }

    /// <summary>Session token of temporary credentials.</summary>
    [Parameter]
    [Alias("ST")]
    [ValidateNotNullOrEmpty]
    public string? SessionToken { get; set; }

    /// <summary>
    /// A credential object: AWS.Tools' (Get-AWSCredential), a PSCredential (user = access key,
    /// password = secret key), or any object with AccessKey/SecretKey[/SessionToken or Token] properties.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public PSObject? Credential { get; set; }

    /// <summary>Role to assume on top of the credentials found (aws.assume_role_arn).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RoleArn { get; set; }

    /// <summary>External id the role's trust policy requires (aws.external_id).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ExternalId { get; set; }

    /// <summary>An S3-compatible endpoint (s3.endpoint_url); path-style addressing is used with it.</summary>
    [Parameter]
    [Alias("ServiceUrl")]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    #endregion

    /// <summary>
    /// The connection settings: parameters win over <paramref name="fromConfig"/> (the config file's
    /// aws/s3 keys), which win over AWS.Tools' shell defaults ($StoredAWSRegion, $StoredAWSCredentials,
    /// set by Set-DefaultAWSRegion and Set-AWSCredential); the engine then searches profiles, the
    /// environment and instance roles in AWS.Tools' order.
    /// </summary>
    private protected S3ConnectionOptions ConnectionOptions(S3ConnectionOptions? fromConfig = null)
    {
        S3ConnectionOptions options = fromConfig ?? new S3ConnectionOptions();
        if (AccessKey is not null || SecretKey is not null || ProfileName is not null || Credential is not null)
        {
            // Credentials given to this cmdlet replace whatever the config or a piped job carried.
            options = options with
            {
                AccessKey = null, SecretKey = null, SessionToken = null, ProfileName = null,
                CredentialAccessKey = null, CredentialSecretKey = null, CredentialSessionToken = null, CredentialRefresh = null,
            };
        }
        if (AccessKey is not null || SecretKey is not null)
        {
            if (AccessKey is null || SecretKey is null)
            {
                ThrowSetupError(new ArgumentException("-AccessKey and -SecretKey go together: give both."),
                    "AwsCredentialsIncomplete", ErrorCategory.InvalidArgument, null);
            }
            options = options with { AccessKey = AccessKey, SecretKey = SecretKey, SessionToken = SessionToken };
        }
        if (ProfileName is not null)
        {
            options = options with { ProfileName = ProfileName };
        }

        // A credential object comes after the profile in AWS.Tools' order; the engine keeps that order.
        var objectKeys = CredentialKeys();
        if (objectKeys is null && options.AccessKey is null && options.ProfileName is null)
        {
            objectKeys = StoredShellCredentials();
        }
        if (objectKeys is { } keys)
        {
            options = options with
            {
                CredentialAccessKey = keys.Keys.AccessKey,
                CredentialSecretKey = keys.Keys.SecretKey,
                CredentialSessionToken = keys.Keys.SessionToken,
                CredentialRefresh = keys.Refresh,
            };
        }

        string? storedRegion = SessionState.PSVariable.GetValue("StoredAWSRegion") as string;
        return options with
        {
            Region = Region ?? options.Region ?? (string.IsNullOrWhiteSpace(storedRegion) ? null : storedRegion),
            RoleArn = RoleArn ?? options.RoleArn,
            ExternalId = ExternalId ?? options.ExternalId,
            EndpointUrl = EndpointUrl ?? options.EndpointUrl,
        };
    }

    /// <summary>Opens the connection, telling -Verbose where credentials and region came from; setup failures terminate.</summary>
    private protected S3Connection OpenConnection(S3ConnectionOptions options)
    {
        try
        {
            S3Connection connection = new S3ConnectionFactory().Create(options);
            WriteVerbose($"S3: {connection.Description}");
            return connection;
        }
        catch (S3SetupException ex)
        {
            ThrowSetupError(ex, ex.ErrorId, SetupCategory(ex.ErrorId), options.ProfileName ?? options.Region);
            throw; // not reached: ThrowSetupError always throws
        }
    }

    /// <summary>The category of an S3 setup failure, for $Error filtering.</summary>
    private protected static ErrorCategory SetupCategory(string errorId) => errorId switch
    {
        S3ErrorIds.S3BucketNotFound or S3ErrorIds.AwsProfileNotFound or S3ErrorIds.S3ObjectNotFound => ErrorCategory.ObjectNotFound,
        S3ErrorIds.S3AccessDenied or S3ErrorIds.AwsCredentialsRejected or S3ErrorIds.AwsAssumeRoleFailed => ErrorCategory.PermissionDenied,
        S3ErrorIds.AwsCredentialsNotFound => ErrorCategory.AuthenticationError,
        S3ErrorIds.S3EndpointUnreachable => ErrorCategory.ConnectionError,
        _ => ErrorCategory.InvalidArgument,
    };

    /// <summary>Set-AWSCredential's shell default; one we cannot read is passed over (with a verbose note), never fatal.</summary>
    private (CredentialKeys Keys, Func<CredentialKeys>? Refresh)? StoredShellCredentials()
    {
        object? stored = SessionState.PSVariable.GetValue("StoredAWSCredentials");
        if (stored is null)
        {
            return null;
        }
        try
        {
            return KeysOf(PSObject.AsPSObject(stored), "$StoredAWSCredentials");
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteVerbose($"$StoredAWSCredentials could not be read ({ex.Message}); searching the environment, profiles and instance roles instead.");
            return null;
        }
    }

    /// <summary>
    /// Keys from -Credential. AWS.Tools' credential objects come from its own AWSSDK, a different
    /// assembly than ours (ours lives in a private load context), so their type cannot be used: ask the
    /// object for its keys through reflection and pass them on as explicit keys.
    /// </summary>
    private protected (CredentialKeys Keys, Func<CredentialKeys>? Refresh)? CredentialKeys()
    {
        return Credential is null ? null : KeysOf(Credential, "-Credential");
    }

    private (CredentialKeys Keys, Func<CredentialKeys>? Refresh) KeysOf(PSObject credential, string origin)
    {
        object value = credential.BaseObject;
        if (value is PSCredential psCredential)
        {
            return (new CredentialKeys(psCredential.UserName, new NetworkCredential(string.Empty, psCredential.Password).Password, null), null);
        }

        // AWS.Tools' Set-AWSCredential stores an AWSPSCredentials whose AWSCredentials sit in an internal property.
        if (value.GetType().GetMethod("GetCredentials", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is null &&
            value.GetType().GetProperty("Credentials", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(value) is { } inner)
        {
            value = inner;
        }

        // Amazon.Runtime.AWSCredentials.GetCredentials() -> ImmutableCredentials { AccessKey, SecretKey, Token }.
        MethodInfo? getCredentials = value.GetType().GetMethod("GetCredentials", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        object source;
        try
        {
            source = getCredentials is not null ? getCredentials.Invoke(value, null)! : credential;
        }
        catch (TargetInvocationException ex)
        {
            ThrowSetupError(new InvalidOperationException($"{origin}: the credential object could not produce keys: {ex.InnerException?.Message}", ex.InnerException),
                "AwsCredentialsRejected", ErrorCategory.AuthenticationError, null);
            throw; // not reached
        }
        PSObject wrapped = PSObject.AsPSObject(source);
        string? accessKey = wrapped.Properties["AccessKey"]?.Value?.ToString();
        string? secretKey = wrapped.Properties["SecretKey"]?.Value?.ToString();
        string? token = (wrapped.Properties["Token"] ?? wrapped.Properties["SessionToken"])?.Value?.ToString();
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            ThrowSetupError(
                new ArgumentException($"{origin}: a {value.GetType().FullName} carries no AccessKey/SecretKey. Pass an object from Get-AWSCredential, a PSCredential, or an object with AccessKey and SecretKey."),
                "CredentialObjectInvalid", ErrorCategory.InvalidArgument, credential);
        }
        // An AWS SDK credential object renews temporary keys itself (assume-role, SSO): ask it again at each request
        // (from worker threads, so through plain reflection, not PowerShell's adapter) rather than keep the first keys.
        Func<CredentialKeys>? refresh = null;
        if (getCredentials is not null)
        {
            object target = value;
            refresh = () =>
            {
                try
                {
                    return ReadKeys(getCredentials.Invoke(target, null)!, origin);
                }
                catch (TargetInvocationException ex)
                {
                    // E.g. an assumed role that can no longer be renewed: name the object and the cause.
                    throw new InvalidOperationException($"{origin}: the credential object could not renew its keys: {ex.InnerException?.Message}", ex.InnerException);
                }
            };
        }
        return (new CredentialKeys(accessKey!, secretKey!, string.IsNullOrEmpty(token) ? null : token), refresh);
    }

    /// <summary>AccessKey, SecretKey and Token (or SessionToken) of what an SDK credential object's GetCredentials() returned.</summary>
    private static CredentialKeys ReadKeys(object immutable, string origin)
    {
        Type type = immutable.GetType();
        string? Read(string name) => type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(immutable)?.ToString();
        string? accessKey = Read("AccessKey");
        string? secretKey = Read("SecretKey");
        string? token = Read("Token") ?? Read("SessionToken");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            throw new InvalidOperationException($"{origin}: the credential object returned no AccessKey/SecretKey when asked again.");
        }
        return new CredentialKeys(accessKey, secretKey, string.IsNullOrEmpty(token) ? null : token);
    }
}
