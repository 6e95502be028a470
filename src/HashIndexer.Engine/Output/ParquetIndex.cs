// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using HashIndexer.Engine.Configuration;
using Parquet;
using Parquet.Schema;

namespace HashIndexer.Engine.Output;

/// <summary>
/// The Parquet index. Its first columns are the CSV's, in the same order and as strings; then, for each 64-bit
/// hash column, <c>&lt;column&gt;_i64</c>: the same 16 hex digits as a signed (two's-complement) INT64, so Spark, Fabric
/// or DuckDB compute Hamming distances as bit_count(a ^ b) without parsing hex. Extra columns are typed:
/// size INT64, last_modified TIMESTAMP(MICROS, UTC), width/height INT32. Row groups of <see cref="RowGroupSize"/> rows.
/// </summary>
public static class ParquetIndex
{
    public const int RowGroupSize = 1_000_000;

    public static ParquetSchema BuildSchema(IndexSchema schema)
    {
        var fields = new List<Field>
        {
            new DataField<string>("image_name", false),
            new DataField<string>("job_number", false),
            new DataField<string>("job_url", false),
        };
        foreach (string h in schema.HashColumns)
        {
            fields.Add(new DataField<string>(h, false));
        }
        foreach (string h in schema.HashColumns)
        {
            fields.Add(new DataField<long?>(h + "_i64", true));
        }
        foreach (ExtraColumn x in schema.ExtraColumns)
        {
            string name = IndexSchema.ColumnName(x);
            fields.Add(x switch
            {
                ExtraColumn.Size => new DataField<long?>(name, true),
                ExtraColumn.LastModified => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true),
                ExtraColumn.Width or ExtraColumn.Height => new DataField<int?>(name, true),
                _ => new DataField<string>(name, x != ExtraColumn.ETag),
            });
        }
        return new ParquetSchema(fields);
    }

    /// <summary>Writes <paramref name="entries"/> (already sorted and unique) to a writable, seekable stream.</summary>
    public static async Task WriteAsync(Stream stream, IndexSchema schema, IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken)
    {
        ParquetSchema ps = BuildSchema(schema);
        DataField[] f = ps.GetDataFields();
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        var writer = await ParquetWriter.CreateAsync(ps, stream, options, append: false, cancellationToken).ConfigureAwait(false);
        IndexEntry[] all = entries as IndexEntry[] ?? [.. entries];
        await using (writer.ConfigureAwait(false))
        {
            // An empty index still gets one (empty) row group, so every reader sees the schema.
            for (int start = 0; start < entries.Count || start == 0; start += RowGroupSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(RowGroupSize, entries.Count - start);
                var rows = new ArraySegment<IndexEntry>(all, start, n);
                using ParquetRowGroupWriter rg = writer.CreateRowGroup();
                int c = 0;
                await rg.WriteAsync(f[c++], rows.Select(e => e.Key).ToArray()).ConfigureAwait(false);
                await rg.WriteAsync(f[c++], rows.Select(e => e.JobNumber).ToArray()).ConfigureAwait(false);
                await rg.WriteAsync(f[c++], rows.Select(e => e.JobUrl).ToArray()).ConfigureAwait(false);
                int hashes = 3 + schema.Permutations.Count;
                for (int i = 0; i < hashes; i++)
                {
                    await rg.WriteAsync(f[c++], rows.Select(e => IndexSchema.HashAt(e, i)).ToArray()).ConfigureAwait(false);
                }
                for (int i = 0; i < hashes; i++)
                {
                    long?[] v = rows.Select(e => IndexSchema.HexToInt64(IndexSchema.HashAt(e, i))).ToArray();
                    await rg.WriteAsync<long>(f[c++], v.AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
                }
                foreach (ExtraColumn x in schema.ExtraColumns)
                {
                    DataField field = f[c++];
                    switch (x)
                    {
                        case ExtraColumn.Size:
                            await rg.WriteAsync<long>(field, rows.Select(e => e.Size).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
                            break;
                        case ExtraColumn.LastModified:
                            await rg.WriteAsync<DateTime>(field, rows.Select(e => e.LastModified?.UtcDateTime).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
                            break;
                        case ExtraColumn.Width:
                            await rg.WriteAsync<int>(field, rows.Select(e => e.Width).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
                            break;
                        case ExtraColumn.Height:
                            await rg.WriteAsync<int>(field, rows.Select(e => e.Height).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
                            break;
                        case ExtraColumn.ETag:
                            await rg.WriteAsync(field, rows.Select(e => e.ETag).ToArray()).ConfigureAwait(false);
                            break;
                        default:
                            await rg.WriteAsync(field, rows.Select(e => e.Sha256).ToArray()).ConfigureAwait(false);
                            break;
                    }
                }
                rg.CompleteValidate();
            }
        }
    }

    /// <summary>Reads a Parquet index written by <see cref="WriteAsync"/> (string columns only are needed; typed extras are read back too).</summary>
    public static async IAsyncEnumerable<IndexEntry> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = await ParquetReader.CreateAsync(stream, null, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            DataField[] fields = reader.Schema.GetDataFields();
            DataField? F(string name) => fields.FirstOrDefault(x => x.Name == name);
            string[] permNames = fields.Select(x => x.Name)
                .Where(n => n.EndsWith("_hash", StringComparison.Ordinal) && !IndexSchema.BaseColumns.Contains(n)).ToArray();
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
                int n = checked((int)rg.RowCount);
                async Task<string?[]> Strings(string name)
                {
                    var a = new string?[n];
                    if (F(name) is DataField df)
                    {
                        await rg.ReadAsync(df, a.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                    }
                    return a;
                }
                async Task<T?[]> Values<T>(string name)
                    where T : struct
                {
                    var a = new T?[n];
                    if (F(name) is DataField df)
                    {
                        await rg.ReadAsync<T>(df, a.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                    }
                    return a;
                }
                string?[] key = await Strings("image_name").ConfigureAwait(false);
                string?[] job = await Strings("job_number").ConfigureAwait(false);
                string?[] url = await Strings("job_url").ConfigureAwait(false);
                string?[] o = await Strings("original_hash").ConfigureAwait(false);
                string?[] h = await Strings("h_flip_hash").ConfigureAwait(false);
                string?[] v = await Strings("v_flip_hash").ConfigureAwait(false);
                var perms = new List<string?[]>();
                foreach (string p in permNames)
                {
                    perms.Add(await Strings(p).ConfigureAwait(false));
                }
                string?[] etag = await Strings("etag").ConfigureAwait(false);
                string?[] sha = await Strings("sha256").ConfigureAwait(false);
                long?[] size = await Values<long>("size").ConfigureAwait(false);
                DateTime?[] mod = await Values<DateTime>("last_modified").ConfigureAwait(false);
                int?[] w = await Values<int>("width").ConfigureAwait(false);
                int?[] ht = await Values<int>("height").ConfigureAwait(false);
                for (int i = 0; i < n; i++)
                {
                    yield return new IndexEntry(key[i] ?? "", job[i] ?? "", url[i] ?? "", etag[i] ?? "", size[i],
                        mod[i] is DateTime d ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : null,
                        o[i] ?? "", h[i] ?? "", v[i] ?? "", perms.Select(p => p[i] ?? "").ToArray(), sha[i], w[i], ht[i]);
                }
            }
        }
    }
}
