using System.Text;
using HashIndexer.Engine.Output;
using HashIndexer.Engine.Tests.Indexing;

namespace HashIndexer.Engine.Tests.Output;

public sealed class AtomicFileTests
{
    private static Task<bool> Write(string path, string text, bool skip = false)
        => AtomicFile.WriteAsync(path, (s, ct) => s.WriteAsync(Encoding.UTF8.GetBytes(text), ct).AsTask(), skip, CancellationToken.None);

    [Fact]
    public async Task Writes_and_replaces_leaving_no_temp_files()
    {
        using var dir = new TempDir();
        string path = dir["sub/index.csv"];
        Assert.True(await Write(path, "one"));
        Assert.True(await Write(path, "two"));
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Equal(["index.csv"], Directory.GetFiles(dir["sub"]).Select(Path.GetFileName));
    }

    [Fact]
    public void The_folder_of_a_rename_can_be_flushed_here()
    {
        // Linux and macOS flush the folder after each rename (power-cut durability of the rename itself); this checks
        // that the C library's open/fsync/close are reached and work on a real folder, and fail on a missing one.
        using var dir = new TempDir();
        Assert.Equal(!OperatingSystem.IsWindows(), DirectorySync.Flush(dir.Path));
        Assert.False(DirectorySync.Flush(dir["missing"]));
    }

    [Fact]
    public async Task Failure_midway_keeps_the_old_file_and_deletes_the_temp()
    {
        using var dir = new TempDir();
        string path = dir["index.csv"];
        await Write(path, "old content");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AtomicFile.WriteAsync(path, async (s, ct) =>
        {
            await s.WriteAsync(new byte[100_000], ct);
            await s.FlushAsync(ct);
            throw new InvalidOperationException("disk on fire");
        }, false, CancellationToken.None));
        Assert.Equal("disk on fire", ex.Message);
        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task Unchanged_content_leaves_the_file_untouched()
    {
        using var dir = new TempDir();
        string path = dir["index.csv"];
        await Write(path, "same");
        var t = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, t);
        Assert.False(await Write(path, "same", skip: true));
        Assert.Equal(t, File.GetLastWriteTimeUtc(path));
        Assert.True(await Write(path, "different", skip: true));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Stale_temp_files_of_a_killed_run_are_removed_and_nothing_else()
    {
        using var dir = new TempDir();
        string path = dir["index.csv"];
        File.WriteAllText(path, "x");
        File.WriteAllText(dir[".index.csv.4242-0123456789abcdef0123456789abcdef.hashindexer-tmp"], "half");
        File.WriteAllText(dir[".other.csv.4242-00.hashindexer-tmp"], "not ours");
        File.WriteAllText(dir["index.csv.bak"], "keep");
        Assert.Equal(1, AtomicFile.DeleteStaleTemps(path));
        Assert.Equal([".other.csv.4242-00.hashindexer-tmp", "index.csv", "index.csv.bak"],
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
