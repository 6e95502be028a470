using System.Diagnostics;
using System.IO.Compression;
using System.Management.Automation;

namespace HashIndexer.Tests;

/// <summary>The Package step (build.ps1 -Task Package): a versioned module folder and a PowerShellGet-shaped .nupkg.</summary>
public sealed class PackageTests
{
    [Fact]
    public void PackageIsAVersionedModuleFolderAndANupkgThatImports()
    {
        string outDir = Directory.CreateTempSubdirectory("hashindexer-package-").FullName + Path.DirectorySeparatorChar;
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in new[]
            {
                "msbuild", Path.Combine(TestPaths.RepoRoot, "src", "HashIndexer", "HashIndexer.csproj"), "-t:PackageModule",
                "-nologo", "-v:q", "-p:Configuration=" + TestPaths.Configuration, "-p:PackageOutDir=" + outDir,
            })
            {
                start.ArgumentList.Add(arg);
            }
            using (Process process = Process.Start(start)!)
            {
                string log = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, log);
            }

            string versionFolder = Path.Combine(outDir, "HashIndexer", "0.1.0");
            string manifest = Path.Combine(versionFolder, "HashIndexer.psd1");
            Assert.True(File.Exists(manifest));

            // The packaged manifest imports on its own and exports every cmdlet.
            using (var session = new PowerShellSession(importModule: false))
            {
                PSObject info = session.Invoke("Test-ModuleManifest -Path $args[0]", manifest).ThrowOnErrors().Output.Single();
                Assert.Equal("HashIndexer", info.Properties["Name"].Value);
                PowerShellResult imported = session.Invoke("Import-Module $args[0] -PassThru -ErrorAction Stop | ForEach-Object { $_.ExportedCmdlets.Count }", manifest).ThrowOnErrors();
                Assert.Equal(6, (int)imported.Output.Single().BaseObject);
            }

            // PowerShellGet's layout: the nuspec and the module files at the package root, PSModule tags.
            using ZipArchive nupkg = ZipFile.OpenRead(Path.Combine(outDir, "HashIndexer.0.1.0.nupkg"));
            string[] entries = [.. nupkg.Entries.Select(e => e.FullName.Replace('\\', '/'))];
            Assert.Contains("HashIndexer.nuspec", entries);
            Assert.Contains("HashIndexer.psd1", entries);
            Assert.Contains("HashIndexer.dll", entries);
            Assert.Contains("dependencies/HashIndexer.Engine.dll", entries);
            Assert.Contains("runtimes/linux-x64/native/libSkiaSharp.so", entries);
            Assert.Contains("runtimes/win-x64/native/libSkiaSharp.dll", entries);
            Assert.Contains("runtimes/osx/native/libSkiaSharp.dylib", entries);
            Assert.Contains("runtimes/linux-arm64/native/libSkiaSharp.so", entries);
            using var reader = new StreamReader(nupkg.GetEntry("HashIndexer.nuspec")!.Open());
            string nuspec = reader.ReadToEnd();
            Assert.Contains("<id>HashIndexer</id>", nuspec, StringComparison.Ordinal);
            Assert.Contains("PSModule", nuspec, StringComparison.Ordinal);
            Assert.Contains("PSCmdlet_Update-HashIndex", nuspec, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
