using System.Diagnostics;

namespace HashIndexer.Tests;

/// <summary>
/// Issue #2, point 6: other versions of AWSSDK.Core (3.7.x, as AWS.Tools ships), YamlDotNet, SkiaSharp
/// and CsvHelper are loaded first into the default context; then HashIndexer is imported, hashes an
/// image and lists S3; the first-loaded assemblies stay usable. Runs in a child process (ConflictHost)
/// so that nothing else in the test run has loaded anything before it.
/// </summary>
[Collection(S3ServerCollection.Name)]
public sealed class DependencyIsolationTests
{
    private readonly ITestOutputHelper _output;
    private readonly S3Server _server;

    public DependencyIsolationTests(ITestOutputHelper output, S3Server server)
    {
        _output = output;
        _server = server;
    }

    [Fact]
    public void ModuleWorksBesideOtherVersionsOfItsDependencies()
    {
        string host = Path.Combine(TestPaths.RepoRoot, "tests", "ConflictHost", "bin", TestPaths.Configuration, "net10.0", "ConflictHost.dll");
        Assert.True(File.Exists(host), "ConflictHost was not built: " + host);
        string image = Path.Combine(TestPaths.Corpus, "images", "src", "kpa_sunset.jpg");

        (int exitCode, string output) = Run(host, TestPaths.ManifestPath, image, _server.S3.ServiceUrl, S3Server.Bucket, HashIndexer.TestSupport.TestBuckets.StandardRootPrefix);
        _output.WriteLine(output);
        Assert.Contains("ok   Get-ImageHash hashed the image", output, StringComparison.Ordinal);
        Assert.Contains("ok   HashIndexer uses its own SkiaSharp", output, StringComparison.Ordinal);
        Assert.Contains("ok   Get-S3ImageJob | Get-ImagePHash hashed", output, StringComparison.Ordinal);
        Assert.Contains("ok   AWSSDK.Core 3.3.0.0 still the default context's version", output, StringComparison.Ordinal);
        Assert.Contains("ok   YamlDotNet 13.0.0.0 still the default context's version", output, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
    }

    internal static (int ExitCode, string Output) Run(string hostDll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("ConflictHost did not finish in 3 minutes.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
