namespace HashIndexer.Tests;

/// <summary>Locates the repository, the manifest and the shared corpus, whatever the working directory.</summary>
internal static class TestPaths
{
    public static string RepoRoot => HashIndexer.TestSupport.TestSupportPaths.RepoRoot;

    public static string ManifestPath => Path.Combine(RepoRoot, "HashIndexer.psd1");

    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Corpus => Path.Combine(Shared, "corpus");

    public static string Samples => Path.Combine(RepoRoot, "samples");

    /// <summary>The build configuration these tests were built in (Debug or Release).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
}
