using HashIndexer.Engine.Hashing;

namespace HashIndexer.Engine.Tests.Hashing;

public sealed class ConcurrencyTests
{
    [Fact]
    public void Parallel_workers_get_the_same_hashes_as_one()
    {
        string[] files = Directory.GetFiles(Path.Combine(TestPaths.Corpus, "images", "src")).Order(StringComparer.Ordinal).ToArray();
        var hasher = new ImageHasher();
        var request = new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash, HashAlgorithmKind.DHash],
            Seed = new SeedOptions { Permutations = Permutation.Defaults },
        };
        string Key(ImageHashResult r) => string.Join(",", r.Hashes.OrderBy(h => h.Key).Select(h => h.Value))
            + "|" + r.Seed!.Original + r.Seed.HFlip + r.Seed.VFlip + string.Concat(r.Seed.Permutations.Select(p => p.Value));
        var sequential = files.Select(f => Key(hasher.HashFile(f, request))).ToArray();
        var parallel = new string[files.Length * 3];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i] = Key(hasher.HashFile(files[i % files.Length], request)));
        for (int i = 0; i < parallel.Length; i++)
        {
            Assert.Equal(sequential[i % files.Length], parallel[i]);
        }
    }
}
