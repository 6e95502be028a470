namespace HashIndexer.Engine.Tests;

/// <summary>Locates the repository and the shared corpus from the test binaries, whatever the working directory.</summary>
internal static class TestPaths
{
    public static string RepoRoot => HashIndexer.TestSupport.TestSupportPaths.RepoRoot;

    /// <summary>shared/ sits beside the project root (../shared), on developer machines and in CI.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Corpus => Path.Combine(Shared, "corpus");
}
