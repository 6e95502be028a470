// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Net;
using System.Text.RegularExpressions;
using Amazon.Runtime;

namespace HashIndexer.Engine.S3;

/// <summary>Turns SDK failures into errors a user can act on: setup problems by error id, others per object.</summary>
internal static partial class S3ErrorMapper
{
    private static readonly HashSet<string> s_accessDenied = new(StringComparer.Ordinal)
    {
        "AccessDenied", "AllAccessDisabled", "AccountProblem", "InvalidPayer", "NotSignedUp",
    };

    private static readonly HashSet<string> s_credentialsRejected = new(StringComparer.Ordinal)
    {
        "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
        "InvalidClientTokenId", "UnrecognizedClientException",
    };

    private static readonly HashSet<string> s_regionMismatch = new(StringComparer.Ordinal)
    {
        "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "InvalidRegion",
        "TemporaryRedirect", "Redirect",
    };

    /// <summary>
    /// A setup exception for failures that are about the bucket, the credentials or the region rather than one
    /// object; null otherwise. <paramref name="connection"/> supplies the region and credential source for messages.
    /// </summary>
    public static S3SetupException? ToSetupException(Exception exception, string bucket, S3ConnectionInfo connection)
    {
        Exception root = exception is S3RetriesExhaustedException { InnerException: { } last } ? last : exception;
        if (FindInChain<S3SetupException>(root) is { } setup)
        {
            return setup;
        }

        if (FindInChain<AmazonServiceException>(root) is { } service)
        {
            string code = service.ErrorCode ?? "";
            if (code == "NoSuchBucket")
            {
                return new S3SetupException(S3ErrorIds.S3BucketNotFound,
                    $"The S3 bucket '{bucket}' does not exist{connection.WhereSuffix}. Check the bucket name and that the endpoint and account are the ones you meant.",
                    exception) { Bucket = bucket, S3ErrorCode = code };
            }

            if (s_credentialsRejected.Contains(code))
            {
                return new S3SetupException(S3ErrorIds.AwsCredentialsRejected,
                    $"S3 rejected the credentials ({connection.CredentialSource}) for bucket '{bucket}': {code}. Check the access key, secret key and session token; an expired session or SSO login needs renewing.",
                    exception) { Bucket = bucket, S3ErrorCode = code };
            }

            if (s_regionMismatch.Contains(code) || service.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.TemporaryRedirect)
            {
                string expected = ExpectedRegion(service.Message) is { } r ? $" The bucket is in '{r}'." : "";
                return new S3SetupException(S3ErrorIds.S3RegionMismatch,
                    $"The S3 bucket '{bucket}' is not in region '{connection.Region}' ({connection.RegionSource}){(code.Length > 0 ? $": {code}" : "")}.{expected} Pass the bucket's region with -Region (or aws.region in the config file).",
                    exception) { Bucket = bucket, S3ErrorCode = code };
            }

            if (code == "InvalidBucketName")
            {
                return new S3SetupException(S3ErrorIds.S3InvalidBucketName,
                    $"'{bucket}' is not a valid S3 bucket name. Check the bucket name (no s3:// prefix, no slashes).",
                    exception) { Bucket = bucket, S3ErrorCode = code };
            }

            if (s_accessDenied.Contains(code) || service.StatusCode == HttpStatusCode.Forbidden)
            {
                return new S3SetupException(S3ErrorIds.S3AccessDenied,
                    $"Access to the S3 bucket '{bucket}' was denied ({(code.Length > 0 ? code : "403 Forbidden")}) with {connection.CredentialSource}. Check that these credentials allow s3:ListBucket on the bucket and s3:GetObject on its objects, and that no bucket policy denies them.",
                    exception) { Bucket = bucket, S3ErrorCode = code };
            }

            return null;
        }

        if (root is AmazonClientException client && LooksLikeCredentialFailure(client))
        {
            return new S3SetupException(S3ErrorIds.AwsCredentialsNotFound,
                $"No usable AWS credentials ({connection.CredentialSource}): {client.Message} Pass -AccessKey/-SecretKey or -ProfileName, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or log in (aws sso login) for an SSO profile.",
                exception) { Bucket = bucket };
        }

        if (connection.EndpointUrl is not null && FindInChain<HttpRequestException>(root) is { } http
            && FindInChain<System.Net.Sockets.SocketException>(http) is not null)
        {
            return new S3SetupException(S3ErrorIds.S3EndpointUnreachable,
                $"The S3 endpoint {connection.EndpointUrl} could not be reached ({http.Message}). Check -EndpointUrl and that the server is running.",
                exception) { Bucket = bucket };
        }

        return null;
    }

    /// <summary>The S3 error code in the failure chain, if S3 answered.</summary>
    public static string? ErrorCode(Exception exception) => FindInChain<AmazonServiceException>(exception)?.ErrorCode;

    public static bool IsNotFound(Exception exception) =>
        FindInChain<AmazonServiceException>(exception) is { } s
        && (s.ErrorCode is "NoSuchKey" or "NotFound" || (s.StatusCode == HttpStatusCode.NotFound && s.ErrorCode is null or "" or "NotFound"));

    private static bool LooksLikeCredentialFailure(AmazonClientException exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AmazonUnmarshallingException)
            {
                return false; // a response cut short, whatever its text says
            }
            if (e.Message.Contains("credential", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("SSO", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static T? FindInChain<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }
        }
        return null;
    }

    private static string? ExpectedRegion(string? message)
    {
        if (message is null)
        {
            return null;
        }
        Match m = ExpectingRegex().Match(message);
        return m.Success ? m.Groups[1].Value : null;
    }

    [GeneratedRegex("expecting '([a-z0-9-]+)'", RegexOptions.CultureInvariant)]
    private static partial Regex ExpectingRegex();
}
