using System.Diagnostics;
using HashIndexer.Engine.Hashing;

if (args.Length > 0 && args[0] == "alloc") return Alloc.Run(args[1]);
if (args.Length > 0 && args[0] == "stages") return Stages.Run(args[1]);
if (args.Length > 0 && args[0] == "seedloop") return Stages.SeedLoop(args[1], int.Parse(args[2]));
if (args.Length > 0 && args[0] == "decode") return DecodeExperiment.Run(args[1]);
if (args.Length > 0 && args[0] == "profile") return Profile.Run(args[1]);
if (args.Length > 0 && args[0] == "dump") return DebugDump.Run(args[1]);
if (args.Length > 0 && args[0] == "perm") return PermDump.Run(args.Skip(1));
return args.Length > 0 && args[0] == "golden" ? Golden.Run(args[1], args.Length > 2 ? args[2] : null) : Bench.Run(args.Skip(args.Length > 0 && args[0] == "bench" ? 1 : 0).ToArray());

internal static class Golden
{
    public static int Run(string corpus, string? filter)
    {
        var lines = File.ReadAllLines(Path.Combine(corpus, "golden.csv"));
        var header = lines[0].Split(',');
        var hasher = new ImageHasher();
        var exact = new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash, HashAlgorithmKind.DHash, HashAlgorithmKind.AHash, HashAlgorithmKind.WHash, HashAlgorithmKind.Sha256],
            Seed = new SeedOptions(),
        };
        var p16 = new HashRequest { Algorithms = [HashAlgorithmKind.PHash], HashSize = 16 };
        var fast = new HashRequest { Algorithms = [HashAlgorithmKind.PHash], Seed = new SeedOptions(), Decode = new DecodeOptions { Mode = DecodeMode.Fast } };
        var stats = new Dictionary<string, (int Same, int Total, int Max)>();
        var sw = Stopwatch.StartNew();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var row = header.Zip(cells).ToDictionary(p => p.First, p => p.Second);
            if (filter is not null && !row["file"].Contains(filter, StringComparison.Ordinal)) continue;
            if (row["phash"].StartsWith("ERROR", StringComparison.Ordinal)) continue;
            var path = Path.Combine(corpus, row["file"]);
            var got = new Dictionary<string, string>();
            try
            {
                var r = hasher.HashFile(path, exact);
                got["phash"] = r.Hashes[HashAlgorithmKind.PHash];
                got["dhash"] = r.Hashes[HashAlgorithmKind.DHash];
                got["ahash"] = r.Hashes[HashAlgorithmKind.AHash];
                got["whash"] = r.Hashes[HashAlgorithmKind.WHash];
                got["sha256"] = r.Hashes[HashAlgorithmKind.Sha256];
                got["seed_original"] = r.Seed!.Original;
                got["seed_h_flip"] = r.Seed.HFlip;
                got["seed_v_flip"] = r.Seed.VFlip;
                got["phash16"] = hasher.HashFile(path, p16).Hashes[HashAlgorithmKind.PHash];
                var f = hasher.HashFile(path, fast);
                got["fast_phash"] = f.Hashes[HashAlgorithmKind.PHash];
                got["fast_seed_original"] = f.Seed!.Original;
                got["fast_seed_h_flip"] = f.Seed.HFlip;
                got["fast_seed_v_flip"] = f.Seed.VFlip;
            }
            catch (ImageProcessingException e)
            {
                Console.WriteLine($"{row["file"]}: {e.Kind} {e.Message}");
                continue;
            }
            foreach (var (k, v) in got)
            {
                int d = k == "sha256" ? (v == row[k] ? 0 : 256) : PerceptualHash.Distance(v, row[k]);
                var s = stats.GetValueOrDefault(k);
                stats[k] = (s.Same + (d == 0 ? 1 : 0), s.Total + 1, Math.Max(s.Max, d));
                if (d != 0) Console.WriteLine($"{row["file"]} {k}: golden {row[k]} got {v} d={d}");
            }
        }
        Console.WriteLine($"{"column",-20} {"identical",10} {"total",6} {"max",4}");
        foreach (var (k, s) in stats) Console.WriteLine($"{k,-20} {s.Same,10} {s.Total,6} {s.Max,4}");
        Console.WriteLine($"{sw.Elapsed.TotalSeconds:F1}s");
        return 0;
    }
}

