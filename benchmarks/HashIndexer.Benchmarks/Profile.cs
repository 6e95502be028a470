using System.Diagnostics;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Imaging;

internal static class Profile
{
    public static int Run(string dir)
    {
        var paths = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray();
        var files = paths.Select(File.ReadAllBytes).ToArray();
        for (int pass = 0; pass < 2; pass++)
        {
            double dec = 0, ph = 0, sd = 0;
            for (int i = 0; i < files.Length; i++)
            {
                var b = files[i];
                var sw = Stopwatch.StartNew();
                using var d = ImageDecoder.Decode(b, new DecodeOptions(), 256, 256, default);
                double t0 = sw.Elapsed.TotalMilliseconds; sw.Restart();
                var v = new ImageView(d.Pixels);
                HashFunctions.PHash(v, ImageHasher.GrayRead(d.Pixels.Layout), 8);
                double t1 = sw.Elapsed.TotalMilliseconds; sw.Restart();
                using (ImageHasher.SeedResize(v, 256, 256)) { }
                double t2 = sw.Elapsed.TotalMilliseconds;
                dec += t0; ph += t1; sd += t2;
                if (pass == 1 && (t2 > 10 || t0 > 40)) Console.WriteLine($"  {Path.GetFileName(paths[i])} {d.Mode} {d.Pixels.Layout} {d.Pixels.Width}x{d.Pixels.Height}: decode {t0:F1} phash {t1:F1} seed {t2:F1}");
            }
            Console.WriteLine($"per image: decode {dec / files.Length:F1} ms, phash {ph / files.Length:F1} ms, seed resize {sd / files.Length:F1} ms");
        }
        return 0;
    }
}
