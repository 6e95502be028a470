// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Output;
using Parquet;
using Parquet.Schema;

namespace HashIndexer.Engine.Links;

/// <summary>
/// The links file (links.output): columns image_name, presigned_url, generated_at, expires_at. CSV in the index's dialect
/// (UTF-8 without BOM, CRLF, minimal quoting) with UTC ISO-8601 times (2026-01-02T03:04:05Z); Parquet with strings and
/// TIMESTAMP(MICROS, UTC). Written atomically and, on Linux and macOS, owner read/write only (the URLs grant access).
/// </summary>
public static class LinkIndexFile
{
    public static readonly IReadOnlyList<string> Columns = ["image_name", "presigned_url", "generated_at", "expires_at"];

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="links"/> (sorted, unique keys) through a temp file created owner-only. False when the file already held these bytes.</summary>
    public static async Task<bool> WriteAsync(OutputTarget target, string path, IReadOnlyList<LinkRecord> links, CancellationToken cancellationToken)
    {
        bool written = await AtomicFile.WriteAsync(path, (s, ct) => target == OutputTarget.LocalParquet
                ? WriteParquetAsync(s, links, ct)
                : WriteCsvAsync(s, links, ct),
            skipIfUnchanged: true, LinkFileMode.OwnerOnly, cancellationToken).ConfigureAwait(false);
        if (!written)
        {
            LinkFileMode.Restrict(path);
        }
        return written;
    }

    /// <summary>Reads a links file written by <see cref="WriteAsync"/>.</summary>
    public static async Task<List<LinkRecord>> ReadAsync(OutputTarget target, string path, CancellationToken cancellationToken)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
        await using (fs.ConfigureAwait(false))
        {
            return target == OutputTarget.LocalParquet
                ? await ReadParquetAsync(fs, cancellationToken).ConfigureAwait(false)
                : await ReadCsvAsync(fs, cancellationToken).ConfigureAwait(false);
        }
    }

    private static CsvConfiguration CsvConfiguration() => CsvIndex.Configuration();

    private static async Task WriteCsvAsync(Stream stream, IReadOnlyList<LinkRecord> links, CancellationToken cancellationToken)
    {
        var text = new StreamWriter(stream, s_utf8, 1 << 16, leaveOpen: true);
        await using (text.ConfigureAwait(false))
        {
            var csv = new CsvWriter(text, CsvConfiguration(), leaveOpen: true);
            await using (csv.ConfigureAwait(false))
            {
                foreach (string c in Columns)
                {
                    csv.WriteField(c);
                }
                await csv.NextRecordAsync().ConfigureAwait(false);
                int n = 0;
                foreach (LinkRecord l in links)
                {
                    csv.WriteField(l.Key);
                    csv.WriteField(l.Url);
                    csv.WriteField(CsvIndex.FormatTime(l.GeneratedAt));
                    csv.WriteField(CsvIndex.FormatTime(l.ExpiresAt));
                    await csv.NextRecordAsync().ConfigureAwait(false);
                    if ((++n & 0xFFF) == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }
                await csv.FlushAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<List<LinkRecord>> ReadCsvAsync(Stream stream, CancellationToken cancellationToken)
    {
        var list = new List<LinkRecord>();
        using var text = new StreamReader(stream, s_utf8, detectEncodingFromByteOrderMarks: true, 1 << 16, leaveOpen: true);
        using var csv = new CsvReader(text, CsvConfiguration(), leaveOpen: true);
        if (!await csv.ReadAsync().ConfigureAwait(false) || !csv.ReadHeader())
        {
            return list;
        }
        string[] header = csv.HeaderRecord ?? [];
        int[] cols = Columns.Select(c => Array.IndexOf(header, c)).ToArray();
        if (cols.Any(c => c < 0))
        {
            throw new InvalidDataException($"The links file's header is not {string.Join(",", Columns)}.");
        }
        while (await csv.ReadAsync().ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            list.Add(new LinkRecord(csv.GetField(cols[0]) ?? "", csv.GetField(cols[1]) ?? "",
                ParseTime(csv.GetField(cols[2])), ParseTime(csv.GetField(cols[3])), ""));
        }
        return list;
    }

    private static DateTimeOffset ParseTime(string? text) =>
        DateTimeOffset.Parse(text ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>The Parquet schema: two strings, two UTC timestamps (microseconds).</summary>
    public static ParquetSchema ParquetSchema() => new(
        new DataField<string>("image_name", false),
        new DataField<string>("presigned_url", false),
        new DateTimeDataField("generated_at", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true),
        new DateTimeDataField("expires_at", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true));

    private static async Task WriteParquetAsync(Stream stream, IReadOnlyList<LinkRecord> links, CancellationToken cancellationToken)
    {
        ParquetSchema schema = ParquetSchema();
        DataField[] f = schema.GetDataFields();
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        var writer = await ParquetWriter.CreateAsync(schema, stream, options, append: false, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            // One row group per million links; an empty file still gets one, so readers see the schema.
            for (int start = 0; start < links.Count || start == 0; start += ParquetIndex.RowGroupSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = links.Skip(start).Take(ParquetIndex.RowGroupSize).ToArray();
                using ParquetRowGroupWriter rg = writer.CreateRowGroup();
                await rg.WriteAsync(f[0], rows.Select(l => l.Key).ToArray()).ConfigureAwait(false);
                await rg.WriteAsync(f[1], rows.Select(l => l.Url).ToArray()).ConfigureAwait(false);
                await rg.WriteAsync<DateTime>(f[2], rows.Select(l => (DateTime?)l.GeneratedAt.UtcDateTime).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
                await rg.WriteAsync<DateTime>(f[3], rows.Select(l => (DateTime?)l.ExpiresAt.UtcDateTime).ToArray().AsMemory(), null, null, cancellationToken).ConfigureAwait(false);
                rg.CompleteValidate();
            }
        }
    }

    private static async Task<List<LinkRecord>> ReadParquetAsync(Stream stream, CancellationToken cancellationToken)
    {
        var list = new List<LinkRecord>();
        var reader = await ParquetReader.CreateAsync(stream, null, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            DataField[] fields = reader.Schema.GetDataFields();
            DataField F(string name) => fields.FirstOrDefault(x => x.Name == name)
                ?? throw new InvalidDataException($"The links file has no {name} column.");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
                int n = checked((int)rg.RowCount);
                var key = new string?[n];
                var url = new string?[n];
                var generated = new DateTime?[n];
                var expires = new DateTime?[n];
                await rg.ReadAsync(F("image_name"), key.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                await rg.ReadAsync(F("presigned_url"), url.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                await rg.ReadAsync<DateTime>(F("generated_at"), generated.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                await rg.ReadAsync<DateTime>(F("expires_at"), expires.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < n; i++)
                {
                    list.Add(new LinkRecord(key[i] ?? "", url[i] ?? "", Utc(generated[i]), Utc(expires[i]), ""));
                }
            }
        }
        return list;
    }

    private static DateTimeOffset Utc(DateTime? d) =>
        d is DateTime v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : default;
}
