// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Text;
using System.Text.Json;
using HashIndexer.Engine.Output;

namespace HashIndexer.Engine.Links;

/// <summary>What a links state file held.</summary>
/// <param name="Settings">Where its links point and for how long (see <see cref="LinkIndexer"/>): links made for other settings are not reused.</param>
/// <param name="Links">Key → link, ordinal keys.</param>
public sealed record LinkStateSnapshot(string Settings, Dictionary<string, LinkRecord> Links);

/// <summary>
/// links.state_path: JSON Lines. Line 1 is a header (format, version, settings, count, written); then one line per image:
/// key, url, generated_at, expires_at, etag. It holds the URLs, so like the links file it is created owner-only.
/// </summary>
public static class LinkStateStore
{
    public const string Format = "HashIndexer.LinkState";
    public const int Version = 1;

    /// <summary>Writes the state atomically, owner read/write only on Linux and macOS. <paramref name="links"/> sorted by key.</summary>
    public static Task WriteAsync(string path, string settings, IReadOnlyList<LinkRecord> links, DateTimeOffset now, CancellationToken cancellationToken)
        => AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            var options = new JsonWriterOptions { Indented = false, SkipValidation = false };
            int n = 0;
            using (var writer = new Utf8JsonWriter(stream, options))
            {
                writer.WriteStartObject();
                writer.WriteString("format", Format);
                writer.WriteNumber("version", Version);
                writer.WriteString("settings", settings);
                writer.WriteNumber("count", links.Count);
                writer.WriteString("written", CsvIndex.FormatTime(now));
                writer.WriteEndObject();
                writer.Flush();
                stream.WriteByte((byte)'\n');
                foreach (LinkRecord l in links)
                {
                    writer.Reset(stream);
                    writer.WriteStartObject();
                    writer.WriteString("key", l.Key);
                    writer.WriteString("url", l.Url);
                    writer.WriteString("generated_at", CsvIndex.FormatTime(l.GeneratedAt));
                    writer.WriteString("expires_at", CsvIndex.FormatTime(l.ExpiresAt));
                    writer.WriteString("etag", l.ETag);
                    writer.WriteEndObject();
                    writer.Flush();
                    stream.WriteByte((byte)'\n');
                    if ((++n & 0xFFF) == 0)
                    {
                        ct.ThrowIfCancellationRequested();
                    }
                }
            }
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }, skipIfUnchanged: false, LinkFileMode.OwnerOnly, cancellationToken);

    /// <summary>Reads a links state; null when there is none. Throws InvalidDataException for a file that is not one.</summary>
    public static async Task<LinkStateSnapshot?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16), new UTF8Encoding(false));
        string? first = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        string settings;
        try
        {
            using JsonDocument header = JsonDocument.Parse(first ?? "");
            JsonElement h = header.RootElement;
            if (h.ValueKind != JsonValueKind.Object || !h.TryGetProperty("format", out JsonElement f) || f.GetString() != Format)
            {
                throw new InvalidDataException($"'{path}' is not a HashIndexer links state (its first line has no \"format\": \"{Format}\"). Point links.state_path at another file, or delete this one.");
            }
            if (!h.TryGetProperty("version", out JsonElement v) || v.GetInt32() != Version)
            {
                throw new InvalidDataException($"'{path}' is a links state of another version than {Version}; delete it (or run with -Force) to start over.");
            }
            settings = h.TryGetProperty("settings", out JsonElement s) ? s.GetString() ?? "" : "";
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not a HashIndexer links state: its first line is not JSON ({ex.Message}).", ex);
        }

        var links = new Dictionary<string, LinkRecord>(StringComparer.Ordinal);
        int lineNumber = 1;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement r = doc.RootElement;
                string key = r.GetProperty("key").GetString() ?? throw new InvalidDataException("no key");
                links[key] = new LinkRecord(
                    key,
                    r.GetProperty("url").GetString() ?? "",
                    ParseTime(r.GetProperty("generated_at").GetString()),
                    ParseTime(r.GetProperty("expires_at").GetString()),
                    r.TryGetProperty("etag", out JsonElement e) ? e.GetString() ?? "" : "");
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"'{path}', line {lineNumber}: not a links state record ({ex.Message}). Delete the file or run with -Force to start over.", ex);
            }
        }
        return new LinkStateSnapshot(settings, links);
    }

    private static DateTimeOffset ParseTime(string? text) =>
        DateTimeOffset.Parse(text ?? throw new FormatException("missing time"), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

/// <summary>Permissions of the files that hold presigned URLs.</summary>
public static class LinkFileMode
{
    /// <summary>rw------- (0600): the URLs grant read access to the photos.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Narrows an existing file to owner read/write on Linux and macOS (a file left as it was, because its bytes did not
    /// change, may date from before this rule). No-op on Windows or when the file is absent.
    /// </summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }
        if ((File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }
}
