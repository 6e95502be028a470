using HashIndexer.Engine.Hashing;

internal static class PermDump
{
    public static int Run(IEnumerable<string> files)
    {
        var hasher = new ImageHasher();
        var req = new HashRequest { Seed = new SeedOptions { Permutations = Permutation.ParseList(Permutation.DefaultSpec + ", rotate:90, rotate:180, rotate:-33.3, zoom:1.5, bright_down2=brightness:0.5, contrast_up2=contrast:2.5") } };
        foreach (var f in files)
        {
            var r = hasher.HashFile(f, req);
            Console.WriteLine(Path.GetFileName(f) + " " + string.Join(" ", r.Seed!.Permutations.Select(p => p.Key + "=" + p.Value)));
        }
        return 0;
    }
}
