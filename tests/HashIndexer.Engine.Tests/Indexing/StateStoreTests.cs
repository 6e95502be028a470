using HashIndexer.Engine.Indexing;
using HashIndexer.Engine.Output;

namespace HashIndexer.Engine.Tests.Indexing;

public sealed class StateStoreTests
{
    [Fact]
    public async Task Round_trip_keeps_every_field_of_every_entry()
    {
        using var dir = new TempDir();
        string path = dir["s/state.json"];
        IndexEntry[] entries =
        [
            new("jobs/1/a \"q\".jpg", "1", "https://x/1?a=1,b=2", "9b2cf535f27731c974343645a3985328-2", 123, new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(10),
                "0123456789abcdef", "fedcba9876543210", "0000000000000000", ["ffffffffffffffff"], new string('a', 64), 640, 480),
            new("jobs/2/\U0001F600.png", "2", "", "e", null, null, "1", "2", "3", [""], null, null, null),
        ];
        await StateStore.WriteAsync(path, "settings-x", entries, DateTimeOffset.UtcNow, CancellationToken.None);
        StateSnapshot? snap = await StateStore.ReadAsync(path, null, CancellationToken.None);
        Assert.NotNull(snap);
        Assert.False(snap.IsLegacy);
        Assert.Equal("settings-x", snap.Settings);
        Assert.Equal(2, snap.Entries.Count);
        foreach (IndexEntry e in entries)
        {
            IndexEntry back = snap.Entries[e.Key];
            Assert.Equal(e with { PermutationHashes = [] }, back with { PermutationHashes = [] });
            Assert.Equal(e.PermutationHashes, back.PermutationHashes);
        }
        Assert.Single(Directory.GetFiles(dir["s"]));
    }

    [Fact]
    public async Task Missing_state_is_null_and_a_corrupt_one_is_a_clear_error()
    {
        using var dir = new TempDir();
        Assert.Null(await StateStore.ReadAsync(dir["none.json"], null, CancellationToken.None));
        File.WriteAllText(dir["bad.json"], "this is not json");
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => StateStore.ReadAsync(dir["bad.json"], null, CancellationToken.None));
        Assert.Contains(dir["bad.json"], ex.Message, StringComparison.Ordinal);
        File.WriteAllText(dir["cut.json"], "{\"format\":\"HashIndexer.State\",\"version\":1,\"settings\":\"s\",\"count\":1}\n{\"k\":\"a\",\"e\":");
        ex = await Assert.ThrowsAsync<InvalidDataException>(() => StateStore.ReadAsync(dir["cut.json"], null, CancellationToken.None));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }
}
