using System.Diagnostics;
using System.Management.Automation;

namespace HashIndexer.Tests;

/// <summary>Ctrl+C (PowerShell.Stop, what the console host calls) ends long work promptly, and nothing is lost.</summary>
public sealed class CancellationTests : IDisposable
{
    private readonly PowerShellSession _session = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("hashindexer-stop-").FullName;

    public void Dispose()
    {
        _session.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void StoppingGetImageHashEndsItPromptly()
    {
        // 13 MP photos, many times over: minutes of work if nothing stopped it.
        string big = Path.Combine(TestPaths.Corpus, "images", "src", "lomiri_Dragonfly.jpg");
        string[] inputs = Enumerable.Repeat(big, 400).ToArray();
        using PowerShell ps = _session.CreatePipeline();
        ps.AddScript("$args[0] | Get-ImageHash -ThrottleLimit 2").AddArgument(inputs);
        var output = new PSDataCollection<PSObject>();
        using var first = new ManualResetEventSlim();
        output.DataAdded += (_, _) => first.Set();
        IAsyncResult running = ps.BeginInvoke<object, PSObject>(null, output);
        Assert.True(first.Wait(TimeSpan.FromSeconds(60)), "no output within a minute");

        var stopwatch = Stopwatch.StartNew();
        ps.Stop();
        stopwatch.Stop();
        Assert.True(running.IsCompleted);
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        Assert.InRange(output.Count, 1, inputs.Length - 1);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {stopwatch.Elapsed}");
    }

    [Fact]
    public void StoppingUpdateHashIndexKeepsWhatWasHashed()
    {
        // A local source with 3 jobs of corpus variants: all 379 JPEGs, so that hashing them one at a time lasts long
        // enough (about a second here) for progress records, 250 ms apart, to show 20 % well before the end.
        string root = Path.Combine(_dir, "jobs");
        string[] images = [.. Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "images", "var"), "*.jpg").Order(StringComparer.Ordinal)];
        for (int i = 0; i < images.Length; i++)
        {
            string job = Path.Combine(root, (30000 + (i % 3)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(job);
            File.Copy(images[i], Path.Combine(job, Path.GetFileName(images[i])));
        }
        string config = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(config, """
            s3:
              bucket: unused
              root_prefix: 'ODM Duplicate Image/'
            source:
              local_path: jobs
            hashing:
              workers: 1
            output:
              target: local_csv
              path: out/index
            state:
              path: out/state.json
              checkpoint_images: 10
            """);

        using (PowerShell ps = _session.CreatePipeline())
        {
            ps.AddScript("Update-HashIndex -Config $args[0]").AddArgument(config);
            var progress = new ManualResetEventSlim();
            ps.Streams.Progress.DataAdded += (_, e) =>
            {
                if (ps.Streams.Progress[e.Index].Activity == "Hashing images" && ps.Streams.Progress[e.Index].PercentComplete >= 20)
                {
                    progress.Set();
                }
            };
            IAsyncResult running = ps.BeginInvoke();
            Assert.True(progress.Wait(TimeSpan.FromSeconds(120)), "hashing never reached 20 %");
            var stopwatch = Stopwatch.StartNew();
            ps.Stop();
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {stopwatch.Elapsed}");
            Assert.True(running.IsCompleted);
        }

        // The next run only hashes what the stopped one had not finished, and ends with every image.
        PSObject summary = _session.Invoke("Update-HashIndex -Config $args[0]", config).ThrowOnErrors().Output.Single();
        int unchanged = (int)summary.Properties["Unchanged"].Value;
        Assert.InRange(unchanged, 20, images.Length - 1);
        Assert.Equal(images.Length, unchanged + (int)summary.Properties["New"].Value);
        Assert.Equal(images.Length + 1, File.ReadAllLines(Path.Combine(_dir, "out", "index.csv")).Length);
    }
}
