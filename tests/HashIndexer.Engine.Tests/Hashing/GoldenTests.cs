using System.Collections.Concurrent;
using HashIndexer.Engine.Hashing;
using Xunit.Abstractions;

namespace HashIndexer.Engine.Tests.Hashing;

/// <summary>Every corpus image against golden.csv (Python imagehash 4.3.2 + Pillow 9.4), every column.</summary>
public sealed class GoldenTests
{
    private static readonly string[] ExactColumns = ["phash", "phash16", "dhash", "ahash", "whash", "sha256", "seed_original", "seed_h_flip", "seed_v_flip"];
    private static readonly string[] FastColumns = ["fast_phash", "fast_seed_original", "fast_seed_h_flip", "fast_seed_v_flip"];

    private readonly ITestOutputHelper _output;

    public GoldenTests(ITestOutputHelper output) => _output = output;

    internal static List<Dictionary<string, string>> ReadGolden() => ReadGolden(TestPaths.Corpus);

    private static List<Dictionary<string, string>> ReadGolden(string folder)
    {
        string[] lines = File.ReadAllLines(Path.Combine(folder, "golden.csv"));
        string[] header = lines[0].Split(',');
        return lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    [Fact]
    public void Every_column_matches_the_reference()
    {
        var rows = ReadGolden().Where(r => !r["file"].StartsWith("bad/", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count >= 400, "golden.csv should list the corpus images");
        AssertMatchesReference(TestPaths.Corpus, rows);
    }

    /// <summary>
    /// Photos the corpus has few of (LA, palette with transparency, 1-bit, BMP, 4:4:4/4:2:2 JPEG, WebP RGBA and
    /// lossless, tiny, extreme aspect ratios, progressive grayscale, GIF), made with Pillow at test time and hashed by
    /// the Python reference in the same run (tests/tools/make_format_corpus.py): the same bar as the corpus.
    /// </summary>
    [Fact]
    public void Other_modes_and_formats_match_the_reference()
    {
        string folder = Directory.CreateTempSubdirectory("hashindexer-formats-").FullName;
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string arg in new[]
            {
                Path.Combine(TestPaths.RepoRoot, "tests", "tools", "make_format_corpus.py"),
                Path.Combine(TestPaths.Corpus, "images", "src"), folder, Path.Combine(TestPaths.Shared, "tools"),
            })
            {
                start.ArgumentList.Add(arg);
            }
            using (var python = System.Diagnostics.Process.Start(start)!)
            {
                string log = python.StandardOutput.ReadToEnd() + python.StandardError.ReadToEnd();
                python.WaitForExit();
                Assert.True(python.ExitCode == 0, "the Python reference failed (apt-get install python3-pil python3-numpy python3-scipy python3-pywt): " + log);
            }
            var rows = ReadGolden(folder);
            Assert.Equal(15, rows.Count);
            AssertMatchesReference(folder, rows);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private void AssertMatchesReference(string folder, List<Dictionary<string, string>> rows)
    {
        var hasher = new ImageHasher();
        var exact = new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash, HashAlgorithmKind.DHash, HashAlgorithmKind.AHash, HashAlgorithmKind.WHash, HashAlgorithmKind.Sha256],
            Seed = new SeedOptions(),
        };
        var phash16 = new HashRequest { Algorithms = [HashAlgorithmKind.PHash], HashSize = 16 };
        var fast = new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash],
            Seed = new SeedOptions(),
            Decode = new DecodeOptions { Mode = DecodeMode.Fast },
        };
        var results = new ConcurrentBag<(string File, string Column, string Golden, string Got)>();
        Parallel.ForEach(rows, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, row =>
        {
            string path = Path.Combine(folder, row["file"]);
            byte[] bytes = File.ReadAllBytes(path);
            var got = new Dictionary<string, string>();
            try
            {
                ImageHashResult r = hasher.Hash(bytes, exact);
                got["phash"] = r.Hashes[HashAlgorithmKind.PHash];
                got["dhash"] = r.Hashes[HashAlgorithmKind.DHash];
                got["ahash"] = r.Hashes[HashAlgorithmKind.AHash];
                got["whash"] = r.Hashes[HashAlgorithmKind.WHash];
                got["sha256"] = r.Hashes[HashAlgorithmKind.Sha256];
                got["seed_original"] = r.Seed!.Original;
                got["seed_h_flip"] = r.Seed.HFlip;
                got["seed_v_flip"] = r.Seed.VFlip;
                got["phash16"] = hasher.Hash(bytes, phash16).Hashes[HashAlgorithmKind.PHash];
                ImageHashResult f = hasher.Hash(bytes, fast);
                got["fast_phash"] = f.Hashes[HashAlgorithmKind.PHash];
                got["fast_seed_original"] = f.Seed!.Original;
                got["fast_seed_h_flip"] = f.Seed.HFlip;
                got["fast_seed_v_flip"] = f.Seed.VFlip;
                Assert.Equal(row["width"], r.Width.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(row["height"], r.Height.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (ImageProcessingException e)
            {
                foreach (string c in ExactColumns.Concat(FastColumns))
                {
                    got[c] = "ERROR:" + e.Kind;
                }
            }
            foreach (var (column, value) in got)
            {
                results.Add((row["file"], column, row[column], value));
            }
        });

        _output.WriteLine($"{"column",-20} {"identical",9} {"of",5} {"max bits",8}");
        var failures = new List<string>();
        foreach (string column in ExactColumns.Concat(FastColumns))
        {
            var cells = results.Where(r => r.Column == column).ToList();
            int identical = cells.Count(c => c.Golden == c.Got);
            int max = cells.Select(c => Distance(c.Golden, c.Got, column)).DefaultIfEmpty(0).Max();
            _output.WriteLine($"{column,-20} {identical,9} {cells.Count,5} {max,8}");
            foreach (var c in cells.Where(c => c.Golden != c.Got).Take(5))
            {
                _output.WriteLine($"    {c.File}: golden {c.Golden}, got {c.Got}");
            }
            int allowed = column == "phash16" ? 4 : column == "sha256" ? 0 : 2;
            if (identical < Math.Ceiling(0.99 * cells.Count) || max > allowed)
            {
                failures.Add($"{column}: {identical}/{cells.Count} identical, max distance {max} (allowed {allowed})");
            }
            Assert.Equal(rows.Count, cells.Count);
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    private static int Distance(string golden, string got, string column)
    {
        if (golden == got)
        {
            return 0;
        }
        if (column == "sha256" || got.StartsWith("ERROR", StringComparison.Ordinal) || golden.StartsWith("ERROR", StringComparison.Ordinal)
            || golden.Length != got.Length)
        {
            return int.MaxValue;
        }
        return PerceptualHash.Distance(golden, got);
    }
}
