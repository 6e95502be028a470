using HashIndexer.Engine.Hashing;

/// <summary>alloc FILE: bytes allocated by one Hash call after warm-up, per configuration (exploration).</summary>
internal static class Alloc
{
    public static int Run(string file)
    {
        byte[] b = File.ReadAllBytes(file);
        var hasher = new ImageHasher();
        foreach (var (name, req) in new[]
        {
            ("exact phash", new HashRequest { Algorithms = [HashAlgorithmKind.PHash] }),
            ("exact seed", new HashRequest { Seed = new SeedOptions() }),
            ("fast phash", new HashRequest { Algorithms = [HashAlgorithmKind.PHash], Decode = new DecodeOptions { Mode = DecodeMode.Fast } }),
            ("fast seed", new HashRequest { Seed = new SeedOptions(), Decode = new DecodeOptions { Mode = DecodeMode.Fast } }),
        })
        {
            for (int i = 0; i < 3; i++)
            {
                hasher.Hash(b, req);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            hasher.Hash(b, req);
            Console.WriteLine($"{name,-12} {(GC.GetAllocatedBytesForCurrentThread() - before) / 1024.0:F0} KB allocated per image");
        }
        for (int i = 0; i < 3; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using (var r = new HashIndexer.Engine.Imaging.RowResizer(3000, 4000, HashIndexer.Engine.Imaging.ChannelRead.Rgba, 256, 256, HashIndexer.Engine.Imaging.ResampleFilter.Bicubic))
            {
            }
            long mid = GC.GetAllocatedBytesForCurrentThread();
            byte[] a = System.Buffers.ArrayPool<byte>.Shared.Rent(800_000);
            byte[] c = System.Buffers.ArrayPool<byte>.Shared.Rent(800_000);
            System.Buffers.ArrayPool<byte>.Shared.Return(a);
            System.Buffers.ArrayPool<byte>.Shared.Return(c);
            Console.WriteLine($"RowResizer rgba 3000x4000->256: {(mid - before) / 1024.0:F0} KB; two 800 KB rents {(GC.GetAllocatedBytesForCurrentThread() - mid) / 1024.0:F0} KB");
        }
        return 0;
    }
}
