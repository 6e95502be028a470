using System.Management.Automation;

namespace HashIndexer.Tests;

/// <summary>main_config.yaml problems as a user sees them: warnings for unknown keys, one terminating error for a wrong value.</summary>
public sealed class ConfigErrorTests : IDisposable
{
    private readonly PowerShellSession _session = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("hashindexer-config-").FullName;

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Config(string yaml)
    {
        string path = Path.Combine(_dir, "main_config.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Samples => Path.Combine(TestPaths.Samples, "jobs").Replace("'", "''", StringComparison.Ordinal);

    [Fact]
    public void UnknownKeysAreWarningsNamingThemAndTheRunGoesOn()
    {
        string config = Config($"""
            s3:
              bucket: b
              root_prefx: 'typo/'
            source:
              local_path: '{Samples}'
            output:
              path: out/index
            state:
              path: out/state.json
            """);
        PowerShellResult result = _session.Invoke("Update-HashIndex -Config $args[0]", config).ThrowOnErrors();
        Assert.Contains(result.Warnings, w => w.Contains("s3.root_prefx", StringComparison.Ordinal));
        Assert.Equal(8, (int)result.Output.Single().Properties["New"].Value);
    }

    [Fact]
    public void AWrongValueIsOneErrorNamingKeyValueAndWhatIsAllowed()
    {
        string config = Config("""
            s3:
              bucket: b
            hashing:
              mode: fancy
            output:
              path: out/index
            state:
              path: out/state.json
            """);
        PowerShellResult result = _session.Invoke("Update-HashIndex -Config $args[0]", config);
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("ConfigurationInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("hashing.mode: 'fancy' is not one of basic, advanced", error.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void AMissingConfigFileIsNamed()
    {
        PowerShellResult result = _session.Invoke("Update-HashIndex -Config $args[0]", Path.Combine(_dir, "nope.yaml"));
        ErrorRecord error = Assert.Single(result.Errors);
        Assert.StartsWith("ConfigFileNotFound,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        Assert.Contains("nope.yaml", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParametersOverrideTheFile()
    {
        string config = Config($"""
            s3:
              bucket: b
            source:
              local_path: '{Samples}'
            output:
              path: out/index
            state:
              path: out/state.json
            """);
        string output = Path.Combine(_dir, "elsewhere", "rows");
        PSObject summary = _session.Invoke("Update-HashIndex -Config $args[0] -OutputPath $args[1] -StatePath $args[2] -MaxJobs 1", config, output, Path.Combine(_dir, "elsewhere", "state.json")).ThrowOnErrors().Output.Single();
        Assert.Equal(output + ".csv", summary.Properties["OutputPath"].Value);
        Assert.Equal(1, (int)summary.Properties["Jobs"].Value);
        Assert.True(File.Exists(output + ".csv"));
    }
}
