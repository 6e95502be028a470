using System.Diagnostics;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Imaging;

internal static class Profile
{
    public static int Run(string dir)
    {
        var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        for (int pass = 0; pass < 2; pass++)
        {
            double dec = 0, ph = 0, sd = 0, conv = 0;
            foreach (var b in files)
            {
                var sw = Stopwatch.StartNew();
                using var d = ImageDecoder.Decode(b, new DecodeOptions(), 256, 256, default);
                dec += sw.Elapsed.TotalMilliseconds; sw.Restart();
                var v = new ImageView(d.Pixels);
                HashFunctions.PHash(v, ImageHasher.GrayRead(d.Pixels.Layout), 8);
                ph += sw.Elapsed.TotalMilliseconds; sw.Restart();
                using (ImageHasher.SeedResize(v, 256, 256)) { }
                sd += sw.Elapsed.TotalMilliseconds; sw.Restart();
                var row = new int[d.Pixels.Width * 4 + 16];
                for (int y = 0; y < d.Pixels.Height; y++) Resampler.LoadRow(v, ChannelRead.Luma, y, row);
                conv += sw.Elapsed.TotalMilliseconds;
            }
            Console.WriteLine($"per image: decode {dec / files.Length:F1} ms, phash {ph / files.Length:F1} ms, seed resize {sd / files.Length:F1} ms, luma rows {conv / files.Length:F1} ms");
        }
        return 0;
    }
}
