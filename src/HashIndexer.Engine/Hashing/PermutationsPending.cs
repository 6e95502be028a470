// Placeholder until the hashing core's permutation list lands (issue #3).
namespace HashIndexer.Engine.Hashing;

public static class Permutations
{
    public static IReadOnlyList<Permutation> Resolve(IReadOnlyList<string>? specs) => [];
}
