// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.Engine.Output;

/// <summary>
/// One indexed image: what the state remembers about it and everything its index row shows.
/// The state is a list of these and the index file is a projection of the same list, so either can be
/// rebuilt from the state alone. Immutable: a checkpoint can take a snapshot while workers go on.
/// </summary>
/// <param name="Key">image_name: the S3 key (or the local source's relative key).</param>
/// <param name="JobNumber">job_number ("" for an image outside a job folder).</param>
/// <param name="JobUrl">job_url: the job's url.txt ("" when absent).</param>
/// <param name="ETag">The S3 ETag (unquoted) or the local fingerprint the hashes were computed for.</param>
/// <param name="Size">Bytes; null for entries imported from the original tool's state.</param>
/// <param name="LastModified">UTC, microsecond precision; null when unknown.</param>
/// <param name="OriginalHash">original_hash: 16 lower-case hex digits.</param>
/// <param name="HFlipHash">h_flip_hash.</param>
/// <param name="VFlipHash">v_flip_hash.</param>
/// <param name="PermutationHashes">Advanced mode: one per configured permutation, in configured order.</param>
/// <param name="Sha256">Hex SHA-256 of the object's bytes, when it was asked for (output.extra_columns: sha256).</param>
/// <param name="Width">Stored pixel width, when known.</param>
/// <param name="Height">Stored pixel height, when known.</param>
public sealed record IndexEntry(
    string Key,
    string JobNumber,
    string JobUrl,
    string ETag,
    long? Size,
    DateTimeOffset? LastModified,
    string OriginalHash,
    string HFlipHash,
    string VFlipHash,
    IReadOnlyList<string> PermutationHashes,
    string? Sha256,
    int? Width,
    int? Height)
{
    /// <summary>Timestamps are kept to the microsecond: what Parquet stores, so CSV, Parquet and state agree.</summary>
    public static DateTimeOffset? NormalizeTime(DateTimeOffset? t)
        => t is DateTimeOffset v ? new DateTimeOffset(v.UtcTicks - (v.UtcTicks % 10), TimeSpan.Zero) : null;
}

/// <summary>
/// image_name order: Unicode code-point order, i.e. UTF-8 byte order — what S3 lists and what Python's
/// sorted() gives. Ordinal UTF-16 order differs only between supplementary characters and U+E000..U+FFFF.
/// </summary>
public sealed class KeyComparer : IComparer<string>
{
    public static readonly KeyComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        int n = Math.Min(x.Length, y.Length);
        for (int i = 0; i < n; i++)
        {
            char a = x[i], b = y[i];
            if (a != b)
            {
                if (a >= 0xD800 && b >= 0xD800)
                {
                    // Surrogates (D800..DFFF) encode code points above FFFF: move them above E000..FFFF.
                    a = (char)(a >= 0xE000 ? a - 0x800 : a + 0x2000);
                    b = (char)(b >= 0xE000 ? b - 0x800 : b + 0x2000);
                }
                return a - b;
            }
        }
        return x.Length - y.Length;
    }
}
