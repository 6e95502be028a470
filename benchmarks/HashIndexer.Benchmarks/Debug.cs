using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Imaging;

internal static class DebugDump
{
    public static int Run(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var d = ImageDecoder.Decode(bytes, new DecodeOptions(), 256, 256, default);
        Console.WriteLine($"{d.Mode} {d.Pixels.Layout} {d.Pixels.Width}x{d.Pixels.Height}");
        var b = d.Pixels.Buffer;
        Console.WriteLine(string.Join(" ", Enumerable.Range(0, 16).Select(i => d.Pixels.Layout == PixelLayout.Int32 ? BitConverter.ToInt32(b, i * 4) : b[i])));
        using var p = Resampler.Resize(new ImageView(d.Pixels), ImageHasher.GrayRead(d.Pixels.Layout), 32, 32, ResampleFilter.Lanczos, PillowMode.L);
        for (int y = 0; y < 32; y++) Console.WriteLine(string.Join(" ", p.Row(y).ToArray()));
        return 0;
    }
}
