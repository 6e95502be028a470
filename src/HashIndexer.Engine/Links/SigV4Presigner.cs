// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HashIndexer.Engine.Links;

/// <summary>Credentials for signing: never logged, never written anywhere but the signature.</summary>
/// <param name="Expiration">When temporary credentials stop working (null for long-term keys or unknown).</param>
public sealed record SigningCredentials(string AccessKey, string SecretKey, string? SessionToken, DateTimeOffset? Expiration = null);

/// <summary>
/// Presigned S3 GET URLs (AWS Signature Version 4, query-string authentication).
/// Our own implementation rather than the SDK's GetPreSignedURL because the signing time must be an
/// input: link refresh is driven by an injected clock, and the tests prove the signature equal to
/// botocore's presigner for fixed credentials, region, key and time. The URL is built in botocore's
/// shape (parameter order, encoding, virtual-hosted or path style) so that the two can be compared as strings.
/// </summary>
public static class SigV4Presigner
{
    /// <summary>SigV4 presigned URLs live at most 7 days.</summary>
    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(7);

    private const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>
    /// Builds the URL. With <paramref name="endpoint"/> (an S3-compatible server) the address is
    /// path-style, <c>endpoint/bucket/key</c>; without it, AWS's virtual-hosted form
    /// <c>https://bucket.s3.region.amazonaws.com/key</c> (path-style for bucket names with dots).
    /// </summary>
    public static Uri Presign(
        SigningCredentials credentials,
        string region,
        string bucket,
        string key,
        DateTimeOffset signingTime,
        TimeSpan expiresIn,
        Uri? endpoint = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (expiresIn <= TimeSpan.Zero || expiresIn > MaxExpiry)
        {
            throw new ArgumentOutOfRangeException(nameof(expiresIn), expiresIn, "SigV4 presigned URLs are valid for 1 second to 7 days.");
        }

        string scheme;
        string host;
        string path;
        if (endpoint is not null)
        {
            scheme = endpoint.Scheme;
            host = endpoint.IsDefaultPort ? endpoint.Host : endpoint.Host + ":" + endpoint.Port.ToString(CultureInfo.InvariantCulture);
            path = endpoint.AbsolutePath.TrimEnd('/') + "/" + EncodePath(bucket) + "/" + EncodePath(key);
        }
        else if (bucket.Contains('.', StringComparison.Ordinal))
        {
            scheme = "https";
            host = RegionalHost(region);
            path = "/" + EncodePath(bucket) + "/" + EncodePath(key);
        }
        else
        {
            scheme = "https";
            host = bucket + "." + RegionalHost(region);
            path = "/" + EncodePath(key);
        }

        DateTime utc = signingTime.UtcDateTime;
        string amzDate = utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string dateStamp = utc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string scope = $"{dateStamp}/{region}/s3/aws4_request";

        // botocore's order in the final URL; the canonical query string is sorted separately below.
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("X-Amz-Algorithm", Algorithm),
            new("X-Amz-Credential", credentials.AccessKey + "/" + scope),
            new("X-Amz-Date", amzDate),
            new("X-Amz-Expires", ((long)expiresIn.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
            new("X-Amz-SignedHeaders", "host"),
        };
        if (!string.IsNullOrEmpty(credentials.SessionToken))
        {
            parameters.Add(new("X-Amz-Security-Token", credentials.SessionToken));
        }

        string canonicalQuery = string.Join('&', parameters
            .Select(p => (Key: Encode(p.Key), Value: Encode(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
        string canonicalRequest = string.Join('\n', "GET", path, canonicalQuery, "host:" + host, string.Empty, "host", "UNSIGNED-PAYLOAD");
        string stringToSign = string.Join('\n', Algorithm, amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        byte[] signingKey = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretKey), dateStamp);
        signingKey = Hmac(signingKey, region);
        signingKey = Hmac(signingKey, "s3");
        signingKey = Hmac(signingKey, "aws4_request");
        string signature = Hex(Hmac(signingKey, stringToSign));

        string query = string.Join('&', parameters.Select(p => Encode(p.Key) + "=" + Encode(p.Value)));
        return new Uri($"{scheme}://{host}{path}?{query}&X-Amz-Signature={signature}");
    }

    /// <summary>botocore's host for a region: the legacy global name for us-east-1.</summary>
    private static string RegionalHost(string region) =>
        region == "us-east-1" ? "s3.amazonaws.com" : $"s3.{region}.amazonaws.com";

    /// <summary>RFC 3986 encoding of a key, keeping '/' (S3 does not double-encode paths).</summary>
    private static string EncodePath(string value) => Encode(value, keepSlash: true);

    /// <summary>RFC 3986: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded as UTF-8, upper-case hex.</summary>
    private static string Encode(string value, bool keepSlash = false)
    {
        var builder = new StringBuilder(value.Length * 2);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
