// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using HashIndexer.Engine.Output;

namespace HashIndexer.Engine.Indexing;

/// <summary>What a state file held.</summary>
/// <param name="Settings">The hashing settings its hashes were made with (see <see cref="StateStore.SettingsFingerprint"/>); "legacy" for the original tool's state.</param>
/// <param name="Entries">Key → entry, ordinal keys.</param>
/// <param name="IsLegacy">The original Python tool's <c>{key: etag}</c> JSON: entries were joined with its index file.</param>
public sealed record StateSnapshot(string Settings, Dictionary<string, IndexEntry> Entries, bool IsLegacy);

/// <summary>
/// The state file: JSON Lines. Line 1 is a header (format, version, hashing settings, count); then one line per image with
/// its ETag, size, last-modified, job and every hash of its index row. The index file is a projection of these entries, so
/// the index can always be rebuilt from the state alone. About 300 bytes per image on disk; read and written as a stream.
/// </summary>
public static class StateStore
{
    public const string Format = "HashIndexer.State";
    public const int Version = 1;

    private static readonly UTF8Encoding s_utf8 = new(false);

    /// <summary>The settings that change hash values. A state made with other settings is not reused (full rebuild).</summary>
    public static string SettingsFingerprint(Configuration.HashIndexerConfig config)
    {
        var h = config.Hashing;
        return FormattableString.Invariant(
            $"mode={h.Mode.ToString().ToLowerInvariant()};resize={h.ResizeWidth}x{h.ResizeHeight};decode={h.Decode.ToString().ToLowerInvariant()};auto_orient={(h.AutoOrient ? "true" : "false")};permutations={string.Join(",", h.PermutationDefinitions.Select(p => p.Name + "=" + p.Spec))}");
    }

    /// <summary>Writes the state atomically (temp file + fsync + rename). <paramref name="entries"/> sorted by key.</summary>
    public static Task WriteAsync(string path, string settings, IReadOnlyList<IndexEntry> entries, DateTimeOffset now, CancellationToken cancellationToken)
        => AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            // The temp FileStream buffers (64 KB); a BufferedStream here would close it on dispose.
            var header = new StateHeader { Format = Format, Version = Version, Settings = settings, Count = entries.Count, Written = now };
            JsonSerializer.Serialize(stream, header, StateJson.Default.StateHeader);
            stream.WriteByte((byte)'\n');
            int n = 0;
            foreach (IndexEntry e in entries)
            {
                JsonSerializer.Serialize(stream, StateRecord.From(e), StateJson.Default.StateRecord);
                stream.WriteByte((byte)'\n');
                if ((++n & 0xFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }
            }
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }, skipIfUnchanged: false, cancellationToken);

    /// <summary>Reads a state file; null when there is none. Throws InvalidDataException for a file that is neither format.</summary>
    /// <param name="path">The state file.</param>
    /// <param name="legacyIndex">For the original tool's state: reads its index rows (the hashes), joined by key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async Task<StateSnapshot?> ReadAsync(string path, Func<CancellationToken, Task<List<IndexEntry>>>? legacyIndex, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16), s_utf8);
        string? first = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        StateHeader? header = null;
        try
        {
            header = first is null ? null : JsonSerializer.Deserialize(first, StateJson.Default.StateHeader);
        }
        catch (JsonException)
        {
        }
        if (header?.Format != Format)
        {
            reader.Dispose();
            return await ReadLegacyAsync(path, legacyIndex, cancellationToken).ConfigureAwait(false);
        }
        if (header.Version != Version)
        {
            throw new InvalidDataException($"State '{path}' has version {header.Version}; this HashIndexer reads version {Version}.");
        }
        var entries = new Dictionary<string, IndexEntry>(Math.Clamp(header.Count, 0, 1 << 22), StringComparer.Ordinal);
        var pool = new Dictionary<string, string>(StringComparer.Ordinal);
        string Pool(string s)
        {
            // Job numbers and URLs repeat for every image of a job: keep one string each.
            if (!pool.TryGetValue(s, out string? p))
            {
                pool[s] = p = s;
            }
            return p;
        }
        int lineNo = 1;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is string line)
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }
            StateRecord r;
            try
            {
                r = JsonSerializer.Deserialize(line, StateJson.Default.StateRecord) ?? throw new JsonException("null");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"State '{path}' line {lineNo} is not valid: {ex.Message}", ex);
            }
            IndexEntry e = r.ToEntry(Pool);
            entries[e.Key] = e;
        }
        return new StateSnapshot(header.Settings ?? "", entries, IsLegacy: false);
    }

    private static async Task<StateSnapshot> ReadLegacyAsync(string path, Func<CancellationToken, Task<List<IndexEntry>>>? legacyIndex, CancellationToken cancellationToken)
    {
        Dictionary<string, string>? etags;
        try
        {
            var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16);
            await using (fs.ConfigureAwait(false))
            {
                etags = await JsonSerializer.DeserializeAsync(fs, StateJson.Default.DictionaryStringString, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"State '{path}' is neither a HashIndexer state nor the original tool's {{key: etag}} JSON: {ex.Message}", ex);
        }
        var entries = new Dictionary<string, IndexEntry>(StringComparer.Ordinal);
        if (etags is null || etags.Count == 0 || legacyIndex is null)
        {
            return new StateSnapshot("legacy", entries, IsLegacy: true);
        }
        foreach (IndexEntry row in await legacyIndex(cancellationToken).ConfigureAwait(false))
        {
            // Only rows whose key the old state vouches for (with its ETag) are reused; the rest are hashed again.
            if (etags.TryGetValue(row.Key, out string? etag) && row.OriginalHash.Length > 0)
            {
                entries[row.Key] = row with { ETag = etag };
            }
        }
        return new StateSnapshot("legacy", entries, IsLegacy: true);
    }

    internal sealed class StateHeader
    {
        [JsonPropertyName("format")]
        public string? Format { get; set; }

        [JsonPropertyName("version")]
        public int Version { get; set; }

        [JsonPropertyName("settings")]
        public string? Settings { get; set; }

        [JsonPropertyName("count")]
        public int Count { get; set; }

        [JsonPropertyName("written")]
        public DateTimeOffset Written { get; set; }
    }

    /// <summary>One state line. Short names: 100,000 lines of them.</summary>
    internal sealed class StateRecord
    {
        [JsonPropertyName("k")]
        public string Key { get; set; } = "";

        [JsonPropertyName("e")]
        public string ETag { get; set; } = "";

        [JsonPropertyName("s")]
        public long? Size { get; set; }

        [JsonPropertyName("m")]
        public DateTimeOffset? Modified { get; set; }

        [JsonPropertyName("j")]
        public string Job { get; set; } = "";

        [JsonPropertyName("u")]
        public string Url { get; set; } = "";

        /// <summary>original, h_flip, v_flip, then the permutations in configured order.</summary>
        [JsonPropertyName("h")]
        public string[] Hashes { get; set; } = [];

        [JsonPropertyName("sha256")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? Sha256 { get; set; }

        [JsonPropertyName("w")]
        public int? Width { get; set; }

        [JsonPropertyName("ht")]
        public int? Height { get; set; }

        public static StateRecord From(IndexEntry e)
        {
            var h = new string[3 + e.PermutationHashes.Count];
            h[0] = e.OriginalHash;
            h[1] = e.HFlipHash;
            h[2] = e.VFlipHash;
            for (int i = 0; i < e.PermutationHashes.Count; i++)
            {
                h[3 + i] = e.PermutationHashes[i];
            }
            return new StateRecord
            {
                Key = e.Key, ETag = e.ETag, Size = e.Size, Modified = e.LastModified, Job = e.JobNumber, Url = e.JobUrl,
                Hashes = h, Sha256 = e.Sha256, Width = e.Width, Height = e.Height,
            };
        }

        public IndexEntry ToEntry(Func<string, string> pool)
        {
            if (Hashes.Length < 3)
            {
                throw new JsonException($"'{Key}' has {Hashes.Length} hashes; at least 3 are needed.");
            }
            return new IndexEntry(Key, pool(Job), pool(Url), ETag, Size, IndexEntry.NormalizeTime(Modified),
                Hashes[0], Hashes[1], Hashes[2], Hashes.Length == 3 ? [] : Hashes[3..], Sha256, Width, Height);
        }
    }
}

[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StateStore.StateHeader))]
[JsonSerializable(typeof(StateStore.StateRecord))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StateJson : JsonSerializerContext
{
}
