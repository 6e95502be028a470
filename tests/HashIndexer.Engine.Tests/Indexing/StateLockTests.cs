using System.Diagnostics;
using HashIndexer.Engine.Indexing;

namespace HashIndexer.Engine.Tests.Indexing;

public sealed class StateLockTests
{
    [Fact]
    public void Second_holder_fails_at_once_naming_lock_and_holder_and_lock_is_released_on_dispose()
    {
        using var dir = new TempDir();
        string state = dir["state.json"];
        var sw = Stopwatch.StartNew();
        using (StateLock.Acquire(state, DateTimeOffset.UtcNow))
        {
            var ex = Assert.Throws<StateLockedException>(() => StateLock.Acquire(state, DateTimeOffset.UtcNow));
            Assert.Equal(state + ".lock", ex.LockPath);
            Assert.Contains($"process {Environment.ProcessId} on {Environment.MachineName}", ex.Message, StringComparison.Ordinal);
            Assert.Contains(state + ".lock", ex.Message, StringComparison.Ordinal);
            Assert.Equal("StateLocked", StateLockedException.ErrorId);
        }
        Assert.True(sw.ElapsedMilliseconds < 2000);
        using (StateLock.Acquire(state, DateTimeOffset.UtcNow))
        {
        }
    }

    [Fact]
    public void A_lock_held_by_a_killed_process_does_not_stick()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/flock"))
        {
            return; // util-linux flock(1) takes the same flock(2) lock .NET's FileShare.None takes.
        }
        using var dir = new TempDir();
        string state = dir["state.json"];
        using var child = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-x", "-o", state + ".lock", "/usr/bin/sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            // Wait until the child holds it.
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using (StateLock.Acquire(state, DateTimeOffset.UtcNow))
                    {
                    }
                    Assert.True(sw.ElapsedMilliseconds < 10_000, "the child never took the lock");
                    Thread.Sleep(50);
                }
                catch (StateLockedException)
                {
                    break;
                }
            }
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        // The OS released the dead process's lock: nothing to clean up.
        using (StateLock.Acquire(state, DateTimeOffset.UtcNow))
        {
        }
    }
}
