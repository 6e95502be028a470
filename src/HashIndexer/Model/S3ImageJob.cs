// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.S3;

namespace HashIndexer;

/// <summary>
/// A job folder in S3 (Get-S3ImageJob's output). Piped into Get-ImagePHash it hashes every image of
/// the job, over the same connection Get-S3ImageJob used.
/// </summary>
public sealed class S3ImageJob
{
    internal S3ImageJob(string jobNumber, string jobUrl, string bucketName, string prefix, S3ConnectionOptions connection, IReadOnlyList<string> extensions)
    {
        JobNumber = jobNumber;
        JobUrl = jobUrl;
        BucketName = bucketName;
        Prefix = prefix;
        Connection = connection;
        Extensions = extensions;
    }

    /// <summary>The job folder's name (its last segment).</summary>
    public string JobNumber { get; }

    /// <summary>The content of the job's url.txt, or empty.</summary>
    public string JobUrl { get; }

    /// <summary>The bucket.</summary>
    public string BucketName { get; }

    /// <summary>The job's key prefix, ending in '/'.</summary>
    public string Prefix { get; }

    /// <summary>How Get-S3ImageJob connected (region, endpoint, credentials); reused downstream. Not shown to users.</summary>
    internal S3ConnectionOptions Connection { get; }

    /// <summary>The image extensions in force when the job was listed.</summary>
    internal IReadOnlyList<string> Extensions { get; }

    /// <inheritdoc />
    public override string ToString() => $"s3://{BucketName}/{Prefix}";
}
