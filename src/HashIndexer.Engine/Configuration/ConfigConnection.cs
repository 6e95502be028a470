// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.S3;

namespace HashIndexer.Engine.Configuration;

/// <summary>The config file's aws/s3 keys as S3 connection settings, so every cmdlet connects alike.</summary>
public static class ConfigConnection
{
    /// <summary>aws.region, aws.profile, aws.assume_role_arn, aws.external_id, s3.endpoint_url, s3.timeout_seconds.</summary>
    public static S3ConnectionOptions ToConnectionOptions(this HashIndexerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new S3ConnectionOptions
        {
            Region = config.Aws.Region,
            ProfileName = config.Aws.Profile,
            RoleArn = config.Aws.AssumeRoleArn,
            ExternalId = config.Aws.ExternalId,
            EndpointUrl = config.S3.EndpointUrl,
            TimeoutSeconds = config.S3.TimeoutSeconds,
        };
    }
}
