using System.Diagnostics;
using SkiaSharp;

/// <summary>decode DIR: SkiaSharp JPEG decode time per image, full GetPixels vs scanline bands (exploration).</summary>
internal static class DecodeExperiment
{
    public static unsafe int Run(string dir)
    {
        var files = Directory.GetFiles(dir).Where(f => f.EndsWith(".jpg", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        byte[] big = new byte[4000 * 4000 * 4];
        byte[] band = new byte[6000 * 4 * 64];
        foreach (var (name, ct, rows) in new[] { ("full rgba", SKColorType.Rgba8888, 0), ("full bgra", SKColorType.Bgra8888, 0), ("scan rgba 1", SKColorType.Rgba8888, 1), ("scan rgba 16", SKColorType.Rgba8888, 16), ("scan rgba 64", SKColorType.Rgba8888, 64) })
        {
            double best = double.MaxValue;
            for (int pass = 0; pass < 3; pass++)
            {
                var sw = Stopwatch.StartNew();
                foreach (var b in files)
                {
                    using var data = SKData.CreateCopy(b);
                    using var codec = SKCodec.Create(data);
                    var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, codec.Info.ColorType == SKColorType.Gray8 ? SKColorType.Gray8 : ct, SKAlphaType.Unpremul);
                    if (rows == 0)
                    {
                        fixed (byte* p = big) codec.GetPixels(info, (IntPtr)p, info.RowBytes, new SKCodecOptions(0));
                    }
                    else
                    {
                        var r = codec.StartScanlineDecode(info);
                        if (r != SKCodecResult.Success) { Console.WriteLine($"start {r}"); continue; }
                        fixed (byte* p = band)
                            for (int y = 0; y < info.Height; y += rows)
                            {
                                int n = Math.Min(rows, info.Height - y);
                                int got = codec.GetScanlines((IntPtr)p, n, info.RowBytes);
                                if (got != n) Console.WriteLine("short");
                            }
                    }
                }
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds / files.Length);
            }
            Console.WriteLine($"{name,-14} {best:F1} ms/image");
        }
        return 0;
    }
}
