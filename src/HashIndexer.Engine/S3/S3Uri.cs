// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Diagnostics.CodeAnalysis;

namespace HashIndexer.Engine.S3;

/// <summary>An s3://bucket/key location, as users type it and as error messages show it (key not URL-encoded).</summary>
public sealed record S3Uri(string Bucket, string Key)
{
    public const string Scheme = "s3://";

    /// <summary>Parses <c>s3://bucket/key</c>; the key may be empty (<c>s3://bucket</c> or <c>s3://bucket/</c>) and is taken verbatim.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out S3Uri? uri)
    {
        uri = null;
        if (text is null || !text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        string rest = text[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? rest : rest[..slash];
        string key = slash < 0 ? "" : rest[(slash + 1)..];
        if (bucket.Length == 0 || bucket.Any(char.IsWhiteSpace))
        {
            return false;
        }
        uri = new S3Uri(bucket, key);
        return true;
    }

    /// <summary>Like <see cref="TryParse"/>, throwing <see cref="S3SetupException"/> (S3InvalidUri) with what was expected.</summary>
    public static S3Uri Parse(string text) =>
        TryParse(text, out S3Uri? uri)
            ? uri
            : throw new S3SetupException(S3ErrorIds.S3InvalidUri, $"'{text}' is not an S3 location: expected s3://bucket/key.");

    public static string Format(string bucket, string key) => Scheme + bucket + "/" + key;

    public override string ToString() => Format(Bucket, Key);
}
