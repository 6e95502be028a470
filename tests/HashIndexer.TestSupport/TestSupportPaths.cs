// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
namespace HashIndexer.TestSupport;

/// <summary>Finds the repository (the folder with HashIndexer.sln above the binaries, or HASHINDEXER_REPO_ROOT), tests/s3rver and the shared corpus from the test binaries.</summary>
public static class TestSupportPaths
{
    private static readonly Lazy<string> s_repoRoot = new(() =>
    {
        if (Environment.GetEnvironmentVariable("HASHINDEXER_REPO_ROOT") is { Length: > 0 } root)
        {
            return Path.GetFullPath(root);
        }
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HashIndexer.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("HashIndexer.sln not found above " + AppContext.BaseDirectory);
    });

    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>tests/s3rver (package.json pinning s3rver, start.js); HASHINDEXER_S3RVER_DIR overrides it.</summary>
    public static string S3rverDirectory =>
        Environment.GetEnvironmentVariable("HASHINDEXER_S3RVER_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepoRoot, "tests", "s3rver");

    /// <summary>shared/ beside the repository (../shared).</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    /// <summary>The 34 distinct corpus photographs.</summary>
    public static string CorpusSourceImages => Path.Combine(Shared, "corpus", "images", "src");
}
