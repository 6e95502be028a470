// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using HashIndexer.Engine.Configuration;

namespace HashIndexer.Engine.Output;

/// <summary>
/// The CSV index, byte for byte what the original tool's Python csv.DictWriter writes: UTF-8 without BOM, CRLF line
/// ends, a field quoted only when it holds ',', '"', CR or LF (QUOTE_MINIMAL), quotes doubled. Old and new files diff cleanly.
/// </summary>
public static class CsvIndex
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Python csv-module compatible settings, shared by the index and the links file.</summary>
    internal static CsvConfiguration Configuration() => new(CultureInfo.InvariantCulture)
    {
        NewLine = "\r\n",
        // CsvHelper also quotes leading/trailing spaces, and with NewLine set it would miss a lone LF; Python does neither.
        ShouldQuote = args => args.Field is { } f && f.AsSpan().IndexOfAny(",\"\r\n") >= 0,
        // Python's reader keeps fields as they are: no trimming, no comment lines.
        TrimOptions = TrimOptions.None,
        DetectColumnCountChanges = false,
        BadDataFound = null,
        MissingFieldFound = null,
    };

    /// <summary>Writes <paramref name="entries"/> (already sorted and unique) to <paramref name="stream"/>; leaves it open.</summary>
    public static async Task WriteAsync(Stream stream, IndexSchema schema, IEnumerable<IndexEntry> entries, CancellationToken cancellationToken)
    {
        var text = new StreamWriter(stream, s_utf8, 1 << 16, leaveOpen: true);
        await using (text.ConfigureAwait(false))
        {
            var csv = new CsvWriter(text, Configuration(), leaveOpen: true);
            await using (csv.ConfigureAwait(false))
            {
                foreach (string c in schema.Columns)
                {
                    csv.WriteField(c);
                }
                await csv.NextRecordAsync().ConfigureAwait(false);
                int n = 0;
                foreach (IndexEntry e in entries)
                {
                    csv.WriteField(e.Key);
                    csv.WriteField(e.JobNumber);
                    csv.WriteField(e.JobUrl);
                    csv.WriteField(e.OriginalHash);
                    csv.WriteField(e.HFlipHash);
                    csv.WriteField(e.VFlipHash);
                    for (int i = 0; i < schema.Permutations.Count; i++)
                    {
                        csv.WriteField(IndexSchema.HashAt(e, 3 + i));
                    }
                    foreach (ExtraColumn x in schema.ExtraColumns)
                    {
                        csv.WriteField(x switch
                        {
                            ExtraColumn.ETag => e.ETag,
                            ExtraColumn.Size => e.Size?.ToString(CultureInfo.InvariantCulture) ?? "",
                            ExtraColumn.LastModified => FormatTime(e.LastModified),
                            ExtraColumn.Sha256 => e.Sha256 ?? "",
                            ExtraColumn.Width => e.Width?.ToString(CultureInfo.InvariantCulture) ?? "",
                            ExtraColumn.Height => e.Height?.ToString(CultureInfo.InvariantCulture) ?? "",
                            _ => "",
                        });
                    }
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

    /// <summary>ISO 8601 UTC with as many fraction digits as needed (at most 6): 2024-05-01T12:00:00Z, 2024-05-01T12:00:00.25Z.</summary>
    public static string FormatTime(DateTimeOffset? t)
        => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Reads a CSV index (this tool's or the original's). Columns it does not know are ignored; missing ones are empty.</summary>
    public static async IAsyncEnumerable<IndexEntry> ReadAsync(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var text = new StreamReader(stream, s_utf8, detectEncodingFromByteOrderMarks: true, 1 << 16, leaveOpen: true);
        using var csv = new CsvReader(text, Configuration(), leaveOpen: true);
        if (!await csv.ReadAsync().ConfigureAwait(false) || !csv.ReadHeader())
        {
            yield break;
        }
        string[] header = csv.HeaderRecord ?? [];
        int Col(string name) => Array.IndexOf(header, name);
        int[] perms = header.Where(h => h.EndsWith("_hash", StringComparison.Ordinal) && !IndexSchema.BaseColumns.Contains(h))
            .Select(Col).ToArray();
        int key = Col("image_name"), job = Col("job_number"), url = Col("job_url"), o = Col("original_hash"), h = Col("h_flip_hash"), v = Col("v_flip_hash");
        int etag = Col("etag"), size = Col("size"), mod = Col("last_modified"), sha = Col("sha256"), w = Col("width"), ht = Col("height");
        if (key < 0)
        {
            throw new InvalidDataException("The index has no image_name column.");
        }
        while (await csv.ReadAsync().ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string F(int i) => i >= 0 ? csv.GetField(i) ?? "" : "";
            string? N(int i) => F(i) is { Length: > 0 } s ? s : null;
            yield return new IndexEntry(
                F(key), F(job), F(url), F(etag),
                long.TryParse(F(size), NumberStyles.None, CultureInfo.InvariantCulture, out long sz) ? sz : null,
                DateTimeOffset.TryParse(F(mod), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var lm) ? lm : null,
                F(o), F(h), F(v),
                perms.Select(F).ToArray(),
                N(sha),
                int.TryParse(F(w), NumberStyles.None, CultureInfo.InvariantCulture, out int wi) ? wi : null,
                int.TryParse(F(ht), NumberStyles.None, CultureInfo.InvariantCulture, out int hi) ? hi : null);
        }
    }
}
