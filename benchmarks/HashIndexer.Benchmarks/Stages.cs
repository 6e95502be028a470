using System.Diagnostics;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Imaging;
using SkiaSharp;

/// <summary>stages DIR: per-image CPU cost of the stages of the exact JPEG pipeline, best of 5, one thread (exploration).</summary>
internal static class Stages
{
    /// <summary>seedloop DIR N: the exact seed pipeline (the original's three hashes) over every file, N passes (for perf record).</summary>
    public static int SeedLoop(string dir, int reps)
    {
        var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var hasher = new ImageHasher();
        var seed = new HashRequest { Seed = new SeedOptions() };
        // SEEDLOOP_PER_IMAGE=1: after the passes, each image's time in every pass (first pass = cold: JIT tiering, pools, coefficients).
        List<double[]>? perImage = Environment.GetEnvironmentVariable("SEEDLOOP_PER_IMAGE") == "1" ? [] : null;
        for (int r = 0; r < reps; r++)
        {
            var sw = Stopwatch.StartNew();
            var each = new double[files.Length];
            for (int i = 0; i < files.Length; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                hasher.Hash(files[i], seed);
                each[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            Console.WriteLine($"{sw.Elapsed.TotalMilliseconds / files.Length:F2} ms/image");
            if (perImage is not null) perImage.Add(each);
        }
        if (perImage is not null)
        {
            for (int i = 0; i < files.Length; i++)
            {
                Console.Error.WriteLine(string.Join(' ', perImage.Select(p => p[i].ToString("F3", System.Globalization.CultureInfo.InvariantCulture))));
            }
        }
        return 0;
    }

    public static unsafe int Run(string dir)
    {
        var files = Directory.GetFiles(dir).Where(f => f.EndsWith(".jpg", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var hasher = new ImageHasher();
        var phash = new HashRequest { Algorithms = [HashAlgorithmKind.PHash] };
        var seed = new HashRequest { Seed = new SeedOptions() };
        var fphash = new HashRequest { Algorithms = [HashAlgorithmKind.PHash], Decode = new DecodeOptions { Mode = DecodeMode.Fast } };
        var fseed = new HashRequest { Seed = new SeedOptions(), Decode = new DecodeOptions { Mode = DecodeMode.Fast } };
        byte[] band = new byte[1 << 20];
        // Whole-image RGBX decodes (libturbojpeg) go here: as large as the largest image.
        byte[] big = new byte[files.Max(b => { var i = SKBitmap.DecodeBounds(b); return (long)i.Width * i.Height * 4; })];
        var stages = new (string Name, Action<byte[]> Run)[]
        {
            ("jpeg structure check", b => JpegStructure.Check(b)),
            ("scanline decode rgba", b =>
            {
                using var data = SKData.CreateCopy(b);
                using var codec = SKCodec.Create(data);
                var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                codec.StartScanlineDecode(info);
                int rows = Math.Max(1, 131072 / info.RowBytes);
                fixed (byte* p = band)
                {
                    for (int y = 0; y < info.Height; y += rows)
                    {
                        codec.GetScanlines((IntPtr)p, Math.Min(rows, info.Height - y), info.RowBytes);
                    }
                }
            }),
            ("scaled 1/8 decode", b =>
            {
                using var data = SKData.CreateCopy(b);
                using var codec = SKCodec.Create(data);
                var d = codec.GetScaledDimensions(1 / 8f);
                var info = new SKImageInfo(d.Width, d.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                fixed (byte* p = band) codec.GetPixels(info, (IntPtr)p);
            }),
            ("turbo decode rgbx", b =>
            {
                var h = SKBitmap.DecodeBounds(b);
                TurboJpeg.Instance?.TryDecode(b, big, h.Width, h.Height, false);
            }),
            ("exact phash", b => hasher.Hash(b, phash)),
            ("exact seed", b => hasher.Hash(b, seed)),
            ("fast phash", b => hasher.Hash(b, fphash)),
            ("fast seed", b => hasher.Hash(b, fseed)),
        };
        var best = new double[stages.Length];
        Array.Fill(best, double.MaxValue);
        var proc = Process.GetCurrentProcess();
        for (int pass = 0; pass < 5; pass++)
        {
            for (int s = 0; s < stages.Length; s++)
            {
                proc.Refresh();
                var t0 = proc.TotalProcessorTime;
                foreach (var b in files)
                {
                    stages[s].Run(b);
                }
                proc.Refresh();
                best[s] = Math.Min(best[s], (proc.TotalProcessorTime - t0).TotalMilliseconds / files.Length);
            }
        }
        for (int s = 0; s < stages.Length; s++)
        {
            Console.WriteLine($"{stages[s].Name,-22} {best[s],6:F1} ms cpu/image");
        }
        return 0;
    }
}
