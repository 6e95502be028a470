using System.Globalization;

namespace HashIndexer.Tests;

/// <summary>shared/corpus/golden.csv: what Python imagehash 4.3.2 gives for every corpus file.</summary>
internal static class Golden
{
    private static readonly Lazy<Dictionary<string, Dictionary<string, string>>> s_rows = new(Load);

    /// <summary>Rows by file name (e.g. "skimage_chelsea.png"); columns by golden.csv's header.</summary>
    public static IReadOnlyDictionary<string, Dictionary<string, string>> ByFileName => s_rows.Value;

    private static Dictionary<string, Dictionary<string, string>> Load()
    {
        string[] lines = File.ReadAllLines(Path.Combine(TestPaths.Corpus, "golden.csv"));
        string[] header = lines[0].Split(',');
        var rows = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (string line in lines.Skip(1))
        {
            string[] cells = line.Split(',');
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < header.Length && i < cells.Length; i++)
            {
                row[header[i]] = cells[i];
            }
            rows[Path.GetFileName(row["file"])] = row;
        }
        return rows;
    }

    /// <summary>The golden row of a sample, found by its bytes (samples are renamed corpus files).</summary>
    public static Dictionary<string, string> ForFile(string path)
    {
        string sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))).ToLower(CultureInfo.InvariantCulture);
        return s_rows.Value.Values.Single(r => r["sha256"] == sha);
    }
}
