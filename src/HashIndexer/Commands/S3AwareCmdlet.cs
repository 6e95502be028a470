// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Management.Automation;
using System.Net;
using System.Reflection;

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
    [Alias("EndpointURL", "ServiceUrl")]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    #endregion

    /// <summary>
    /// Keys from -Credential. AWS.Tools' credential objects come from its own AWSSDK, a different
    /// assembly than ours (ours lives in a private load context), so their type cannot be used: ask the
    /// object for its keys through reflection and pass them on as explicit keys.
    /// </summary>
    private protected (string AccessKey, string SecretKey, string? SessionToken)? CredentialKeys()
    {
        if (Credential is null)
        {
            return null;
        }
        object value = Credential.BaseObject;
        if (value is PSCredential psCredential)
        {
            return (psCredential.UserName, new NetworkCredential(string.Empty, psCredential.Password).Password, null);
        }

        // Amazon.Runtime.AWSCredentials.GetCredentials() -> ImmutableCredentials { AccessKey, SecretKey, Token }.
        MethodInfo? getCredentials = value.GetType().GetMethod("GetCredentials", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        object source = getCredentials is not null ? getCredentials.Invoke(value, null)! : Credential;
        PSObject wrapped = PSObject.AsPSObject(source);
        string? accessKey = wrapped.Properties["AccessKey"]?.Value?.ToString();
        string? secretKey = wrapped.Properties["SecretKey"]?.Value?.ToString();
        string? token = (wrapped.Properties["Token"] ?? wrapped.Properties["SessionToken"])?.Value?.ToString();
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            ThrowSetupError(
                new ArgumentException($"-Credential: a {value.GetType().FullName} carries no AccessKey/SecretKey. Pass an object from Get-AWSCredential, a PSCredential, or an object with AccessKey and SecretKey."),
                "CredentialObjectInvalid", ErrorCategory.InvalidArgument, Credential);
        }
        return (accessKey!, secretKey!, string.IsNullOrEmpty(token) ? null : token);
    }
}
