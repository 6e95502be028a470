// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Configuration;

namespace HashIndexer.Engine.Output;

/// <summary>The index file's columns: the original six, then <c>&lt;perm&gt;_hash</c> per permutation, then the extra columns asked for.</summary>
public sealed class IndexSchema
{
    /// <summary>The original tool's columns, in its order.</summary>
    public static readonly IReadOnlyList<string> BaseColumns = ["image_name", "job_number", "job_url", "original_hash", "h_flip_hash", "v_flip_hash"];

    public IndexSchema(IReadOnlyList<string> permutations, IReadOnlyList<ExtraColumn> extraColumns)
    {
        Permutations = permutations;
        ExtraColumns = extraColumns;
        var cols = new List<string>(BaseColumns);
        cols.AddRange(permutations.Select(p => p + "_hash"));
        cols.AddRange(extraColumns.Select(ColumnName));
        Columns = cols;
    }

    public IReadOnlyList<string> Permutations { get; }

    public IReadOnlyList<ExtraColumn> ExtraColumns { get; }

    /// <summary>Text columns in file order: exactly the CSV header.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The 64-bit hash columns (each also gets a <c>_i64</c> column in Parquet).</summary>
    public IEnumerable<string> HashColumns => BaseColumns.Skip(3).Concat(Permutations.Select(p => p + "_hash"));

    public static IndexSchema For(HashIndexerConfig config)
        => new(config.Hashing.Permutations, config.Output.ExtraColumns);

    public static string ColumnName(ExtraColumn c) => c switch
    {
        ExtraColumn.ETag => "etag",
        ExtraColumn.Size => "size",
        ExtraColumn.LastModified => "last_modified",
        ExtraColumn.Sha256 => "sha256",
        ExtraColumn.Width => "width",
        ExtraColumn.Height => "height",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>A hash column's value for a row: index 0..2 are original, h_flip, v_flip, then permutations.</summary>
    internal static string HashAt(IndexEntry e, int i) => i switch
    {
        0 => e.OriginalHash,
        1 => e.HFlipHash,
        2 => e.VFlipHash,
        _ => i - 3 < e.PermutationHashes.Count ? e.PermutationHashes[i - 3] : "",
    };

    /// <summary>16 hex digits as the two's-complement long Spark's bit_count(a ^ b) wants; null if not a 64-bit hex hash.</summary>
    public static long? HexToInt64(string hex)
        => hex.Length == 16 && ulong.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out ulong u)
            ? unchecked((long)u) : null;
}
