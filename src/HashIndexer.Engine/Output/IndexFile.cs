// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Configuration;

namespace HashIndexer.Engine.Output;

/// <summary>Writes and reads the index file in the configured format, atomically.</summary>
public static class IndexFile
{
    /// <summary>
    /// Writes <paramref name="entries"/> (sorted by <see cref="KeyComparer"/>, unique keys) to <paramref name="path"/> through a temp file.
    /// Returns false when the file already held exactly these bytes (then it is not touched).
    /// </summary>
    public static Task<bool> WriteAsync(OutputTarget target, string path, IndexSchema schema, IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken)
        => AtomicFile.WriteAsync(path, (s, ct) => target == OutputTarget.LocalParquet
                ? ParquetIndex.WriteAsync(s, schema, entries, ct)
                : CsvIndex.WriteAsync(s, schema, entries, ct),
            skipIfUnchanged: true, cancellationToken);

    /// <summary>Reads an index file (CSV or Parquet by <paramref name="target"/>).</summary>
    public static async Task<List<IndexEntry>> ReadAsync(OutputTarget target, string path, CancellationToken cancellationToken)
    {
        var list = new List<IndexEntry>();
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
        await using (fs.ConfigureAwait(false))
        {
            IAsyncEnumerable<IndexEntry> rows = target == OutputTarget.LocalParquet
                ? ParquetIndex.ReadAsync(fs, cancellationToken)
                : CsvIndex.ReadAsync(fs, cancellationToken);
            await foreach (IndexEntry e in rows.ConfigureAwait(false))
            {
                list.Add(e);
            }
        }
        return list;
    }
}
