namespace HashIndexer.Tests;

/// <summary>tests/Scenarios: the self-checking scripts the Pester wrappers also run, here in the hosted engine.</summary>
public sealed class ScenarioTests
{
    private static string Scenario(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "Scenarios", name + ".Scenario.ps1");

    [Fact]
    public void Module()
    {
        using var session = new PowerShellSession(importModule: false);
        session.Invoke("& $args[0] -RepoRoot $args[1]", Scenario("Module"), TestPaths.RepoRoot).ThrowOnErrors();
    }

    [Fact]
    public void PythonCompatibility()
    {
        using var session = new PowerShellSession(importModule: false);
        session.Invoke("& $args[0] -RepoRoot $args[1] -Corpus $args[2]", Scenario("PythonCompatibility"), TestPaths.RepoRoot, TestPaths.Corpus).ThrowOnErrors();
    }

    [Fact]
    public void SampleIndex()
    {
        string work = Directory.CreateTempSubdirectory("hashindexer-scenario-").FullName;
        try
        {
            using var session = new PowerShellSession(importModule: false);
            session.Invoke("& $args[0] -RepoRoot $args[1] -WorkDir $args[2]", Scenario("SampleIndex"), TestPaths.RepoRoot, work).ThrowOnErrors();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
