// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.S3;

/// <summary>
/// A setup problem the user has to fix before anything can be read: missing bucket, access denied, wrong region,
/// unknown profile, no credentials. The cmdlets turn it into a terminating error with <see cref="ErrorId"/>.
/// </summary>
public sealed class S3SetupException : Exception, IErrorIdentified
{
    public S3SetupException(string errorId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
    }

    public S3SetupException()
        : this(S3ErrorIds.S3RequestFailed, "The S3 connection could not be set up.")
    {
    }

    public S3SetupException(string message)
        : this(S3ErrorIds.S3RequestFailed, message)
    {
    }

    public S3SetupException(string message, Exception innerException)
        : this(S3ErrorIds.S3RequestFailed, message, innerException)
    {
    }

    /// <summary>Stable PowerShell ErrorId, one of <see cref="S3ErrorIds"/>.</summary>
    public string ErrorId { get; }

    /// <summary>The bucket concerned, when there is one.</summary>
    public string? Bucket { get; init; }

    /// <summary>The S3 error code behind it (NoSuchBucket, AccessDenied, ...), when S3 answered.</summary>
    public string? S3ErrorCode { get; init; }
}

/// <summary>One object (or one listing) could not be read after bounded retries; the run can go on with the others.</summary>
public sealed class S3ObjectException : Exception, IErrorIdentified
{
    public S3ObjectException(string errorId, string location, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Location = location;
    }

    public S3ObjectException()
        : this(S3ErrorIds.S3ObjectReadFailed, "", "The S3 object could not be read.")
    {
    }

    public S3ObjectException(string message)
        : this(S3ErrorIds.S3ObjectReadFailed, "", message)
    {
    }

    public S3ObjectException(string message, Exception innerException)
        : this(S3ErrorIds.S3ObjectReadFailed, "", message, innerException)
    {
    }

    /// <summary>S3ObjectReadFailed, S3ObjectNotFound, S3ListFailed or S3JobUrlReadFailed.</summary>
    public string ErrorId { get; }

    /// <summary>s3://bucket/key (or s3://bucket/prefix for a listing).</summary>
    public string Location { get; }

    /// <summary>The S3 error code of the last attempt (SlowDown, NoSuchKey, ...), or null for a network failure.</summary>
    public string? S3ErrorCode { get; init; }

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; init; }
}

/// <summary>The stable error ids of the S3 layer.</summary>
public static class S3ErrorIds
{
    public const string S3BucketNotFound = nameof(S3BucketNotFound);
    public const string S3AccessDenied = nameof(S3AccessDenied);
    public const string S3RegionMismatch = nameof(S3RegionMismatch);
    public const string S3InvalidBucketName = nameof(S3InvalidBucketName);
    public const string S3EndpointUnreachable = nameof(S3EndpointUnreachable);
    public const string S3RequestFailed = nameof(S3RequestFailed);
    public const string AwsProfileNotFound = nameof(AwsProfileNotFound);
    public const string AwsProfileInvalid = nameof(AwsProfileInvalid);
    public const string AwsCredentialsNotFound = nameof(AwsCredentialsNotFound);
    public const string AwsCredentialsRejected = nameof(AwsCredentialsRejected);
    public const string AwsRegionNotFound = nameof(AwsRegionNotFound);
    public const string AwsAssumeRoleFailed = nameof(AwsAssumeRoleFailed);
    public const string S3InvalidUri = nameof(S3InvalidUri);
    public const string S3ObjectReadFailed = nameof(S3ObjectReadFailed);
    public const string S3ObjectNotFound = nameof(S3ObjectNotFound);
    public const string S3ListFailed = nameof(S3ListFailed);
    public const string S3JobUrlReadFailed = nameof(S3JobUrlReadFailed);
}
