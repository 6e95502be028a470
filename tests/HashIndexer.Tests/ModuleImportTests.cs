using System.Diagnostics;
using System.Management.Automation;

namespace HashIndexer.Tests;

/// <summary>The module as a user imports it: through HashIndexer.psd1 at the repository root.</summary>
public sealed class ModuleImportTests
{
    private static readonly string[] s_expectedCmdlets =
    [
        "Compare-ImageHash", "Get-ImageHash", "Get-ImagePHash", "Get-S3ImageJob", "New-PresignedLinkIndex", "Update-HashIndex",
    ];

    private readonly ITestOutputHelper _output;

    public ModuleImportTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void ImportThroughManifestExportsEveryCmdlet()
    {
        using var session = new PowerShellSession(importModule: false);
        // Warm the engine itself first, so the time below is the module's, not PowerShell's start-up.
        session.Invoke("Get-Module -ListAvailable -Name NoSuchModule; Get-Command Get-Command").ThrowOnErrors();
        var stopwatch = Stopwatch.StartNew();
        session.Invoke("Import-Module $args[0] -ErrorAction Stop", TestPaths.ManifestPath).ThrowOnErrors();
        stopwatch.Stop();
        _output.WriteLine($"Import-Module wall time: {stopwatch.ElapsedMilliseconds} ms");
        stopwatch.Restart();
        string image = Path.Combine(TestPaths.Corpus, "images", "src", "kpa_sunset.jpg");
        session.Invoke("Get-ImageHash -LiteralPath $args[0]", image).ThrowOnErrors();
        _output.WriteLine($"First Get-ImageHash (loads the engine, SkiaSharp and its native library): {stopwatch.ElapsedMilliseconds} ms");

        PowerShellResult result = session.Invoke("(Get-Command -Module HashIndexer).Name").ThrowOnErrors();
        string[] names = [.. result.Output.Select(o => o.BaseObject.ToString()!).Order(StringComparer.Ordinal)];
        Assert.Equal(s_expectedCmdlets, names);

        PSObject module = session.Invoke("Get-Module HashIndexer").ThrowOnErrors().Output.Single();
        Assert.Equal("0.1.0", module.Properties["Version"].Value.ToString());
    }

    [Fact]
    public void EngineLoadsInThePrivateLoadContext()
    {
        using var session = new PowerShellSession();
        // Hash something so the engine is certainly loaded, then ask where it lives.
        string image = Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "images", "src")).Order(StringComparer.Ordinal).First();
        session.Invoke("Get-ImageHash -LiteralPath $args[0] -Algorithm Sha256", image).ThrowOnErrors();
        PowerShellResult result = session.Invoke(
            "[System.Runtime.Loader.AssemblyLoadContext]::All | ForEach-Object { foreach ($a in $_.Assemblies) { '{0}|{1}' -f $_.Name, $a.GetName().Name } }")
            .ThrowOnErrors();
        string[] lines = [.. result.Output.Select(o => o.ToString())];
        Assert.Contains("HashIndexer|HashIndexer.Engine", lines);
        Assert.Contains("HashIndexer|SkiaSharp", lines);
        Assert.DoesNotContain(lines, l => l.EndsWith("|HashIndexer.Engine", StringComparison.Ordinal) && !l.StartsWith("HashIndexer|", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.EndsWith("|SkiaSharp", StringComparison.Ordinal) && !l.StartsWith("HashIndexer|", StringComparison.Ordinal));
    }

    /// <summary>
    /// On linux-x64 with .NET 10 (this test host, as PowerShell 7.6) the load context takes the precompiled copies
    /// (that the runtime then uses their code is measured by benchmarks/e2e: methods jitted per run).
    /// </summary>
    [Fact]
    public void PrecompiledCopiesLoadOnTheirPlatformAndRuntime()
    {
        Assert.Equal("linux-x64", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);
        Assert.Equal(10, Environment.Version.Major);
        using var session = new PowerShellSession();
        string image = Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "images", "src"), "*.jpg").Order(StringComparer.Ordinal).First();
        session.Invoke("Get-ImagePHash -LiteralPath $args[0]", image).ThrowOnErrors();
        // The engine the cmdlets use is the one the default context resolves for them (other tests make load contexts
        // of their own, so the contexts are not told apart by name); SkiaSharp is the one beside it.
        System.Reflection.Assembly engine = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyName(new System.Reflection.AssemblyName("HashIndexer.Engine, Version=0.1.0.0"));
        System.Reflection.Assembly skia = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(engine)!.Assemblies.Single(a => a.GetName().Name == "SkiaSharp");
        string r2r = Path.Combine("out", "HashIndexer", "dependencies", "r2r", "linux-x64") + Path.DirectorySeparatorChar;
        Assert.Contains(r2r, engine.Location, StringComparison.Ordinal);
        Assert.Contains(r2r, skia.Location, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportWorksFromAnotherCurrentDirectory()
    {
        using var session = new PowerShellSession(importModule: false);
        string elsewhere = Directory.CreateTempSubdirectory("hashindexer-cwd-").FullName;
        string processDirectory = Environment.CurrentDirectory;
        try
        {
            string image = Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "images", "src")).Order(StringComparer.Ordinal).First();
            PowerShellResult result = session.Invoke(
                "$null = $ExecutionContext.SessionState.Path.SetLocation($args[0]); [Environment]::CurrentDirectory = $args[0]; Import-Module $args[1] -ErrorAction Stop; Get-ImageHash -LiteralPath $args[2] -Algorithm Sha256",
                elsewhere, TestPaths.ManifestPath, image).ThrowOnErrors();
            Assert.Single(result.Output);
        }
        finally
        {
            // The process-wide current directory is shared with every other test: put it back before deleting.
            Environment.CurrentDirectory = processDirectory;
            Directory.Delete(elsewhere, recursive: true);
        }
    }
}

/// <summary>
/// The private load context under concurrent first loads (two runspaces importing the module at the same moment
/// made every later test of a CI run fail to find the engine): a fresh context asked for the engine and SkiaSharp by
/// 8 threads at once gives each the one assembly, and never throws.
/// </summary>
public sealed class LoadContextConcurrencyTests
{
    /// <summary>A damaged precompiled copy (an interrupted copy, a half-written file) costs start-up time, not the module: the IL copy loads.</summary>
    [Fact]
    public void DamagedPrecompiledCopyFallsBackToTheIlCopy()
    {
        string moduleDirectory = Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer");
        string copy = Directory.CreateTempSubdirectory("hashindexer-r2r-").FullName;
        try
        {
            string dependencies = Path.Combine(copy, "dependencies");
            Directory.CreateDirectory(Path.Combine(dependencies, "r2r", "linux-x64"));
            File.Copy(Path.Combine(moduleDirectory, "dependencies", "HashIndexer.Engine.dll"), Path.Combine(dependencies, "HashIndexer.Engine.dll"));
            byte[] precompiled = File.ReadAllBytes(Path.Combine(moduleDirectory, "dependencies", "r2r", "linux-x64", "HashIndexer.Engine.dll"));
            File.WriteAllBytes(Path.Combine(dependencies, "r2r", "linux-x64", "HashIndexer.Engine.dll"), precompiled[..4096]);

            System.Reflection.Assembly cmdlets = System.Reflection.Assembly.LoadFrom(Path.Combine(moduleDirectory, "HashIndexer.dll"));
            Type contextType = cmdlets.GetType("HashIndexer.Loading.HashIndexerLoadContext", throwOnError: true)!;
            object context = Activator.CreateInstance(contextType, copy)!;
            var engine = (System.Reflection.Assembly)contextType.GetMethod("LoadDependency")!.Invoke(context, ["HashIndexer.Engine.dll"])!;
            Assert.Equal(Path.Combine(dependencies, "HashIndexer.Engine.dll"), engine.Location);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void ConcurrentFirstLoadsGetTheSameAssembly()
    {
        string moduleDirectory = Path.Combine(TestPaths.RepoRoot, "out", "HashIndexer");
        // The cmdlet assembly as PowerShell loads it; its load context type is internal, so reach it by reflection.
        System.Reflection.Assembly cmdlets = System.Reflection.Assembly.LoadFrom(Path.Combine(moduleDirectory, "HashIndexer.dll"));
        Type contextType = cmdlets.GetType("HashIndexer.Loading.HashIndexerLoadContext", throwOnError: true)!;
        System.Reflection.MethodInfo load = contextType.GetMethod("LoadDependency")!;
        for (int round = 0; round < 5; round++)
        {
            object context = Activator.CreateInstance(contextType, moduleDirectory)!;
            foreach (string file in new[] { "HashIndexer.Engine.dll", "SkiaSharp.dll" })
            {
                using var start = new Barrier(8);
                var loaded = new System.Reflection.Assembly?[8];
                var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
                var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
                {
                    start.SignalAndWait();
                    try
                    {
                        loaded[i] = (System.Reflection.Assembly)load.Invoke(context, [file])!;
                    }
                    catch (System.Reflection.TargetInvocationException ex)
                    {
                        errors.Add(ex.InnerException!);
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                Assert.Empty(errors);
                Assert.Single(loaded.Distinct());
            }
        }
    }
}
