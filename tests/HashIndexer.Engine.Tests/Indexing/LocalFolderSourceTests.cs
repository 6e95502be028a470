using System.Text;
using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Tests.Indexing;

public sealed class LocalFolderSourceTests
{
    [Fact]
    public async Task Lists_jobs_urls_and_images_like_a_bucket()
    {
        using var dir = new TempDir();
        string root = dir["jobs"];
        Directory.CreateDirectory(Path.Combine(root, "b2", "sub"));
        Directory.CreateDirectory(Path.Combine(root, "a1"));
        Directory.CreateDirectory(Path.Combine(root, "B3"));
        File.WriteAllText(Path.Combine(root, "a1", "url.txt"), "  https://example.com/job/a1\r\n", new UTF8Encoding(true)); // BOM + CRLF
        File.WriteAllBytes(Path.Combine(root, "a1", "x.JPG"), [0xFF, 0xD8, 0xFF, 1]);
        File.WriteAllBytes(Path.Combine(root, "a1", "notes.txt"), [1]);
        File.WriteAllBytes(Path.Combine(root, "b2", "sub", "deep.png"), [0x89, 1]);
        File.WriteAllBytes(Path.Combine(root, "b2", "a.gif"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(root, "top.jpg"), [1]); // outside any job: not listed

        var src = new LocalFolderSource(root);
        var jobs = new List<ImageJob>();
        await foreach (var j in src.ListJobsAsync(CancellationToken.None))
        {
            jobs.Add(j);
        }
        Assert.Equal(["B3", "a1", "b2"], jobs.Select(j => j.JobNumber)); // ordinal
        Assert.Equal("https://example.com/job/a1", jobs[1].JobUrl);
        Assert.Equal("", jobs[2].JobUrl);

        var skipped = new SkipCounter();
        var images = new List<ImageObject>();
        foreach (var j in jobs)
        {
            await foreach (var i in src.ListImagesAsync(j, skipped, CancellationToken.None))
            {
                images.Add(i);
            }
        }
        Assert.Equal(["jobs/a1/x.JPG", "jobs/b2/a.gif", "jobs/b2/sub/deep.png"], images.Select(i => i.Key));
        Assert.Equal(2, skipped.Count); // notes.txt, url.txt
        ImageObject x = images[0];
        Assert.Equal(Path.Combine(root, "a1", "x.JPG"), x.Location);
        Assert.Equal(4, x.Size);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 1 }, await src.ReadAllAsync(x, CancellationToken.None));

        // The fingerprint follows size and last-write time.
        File.SetLastWriteTimeUtc(x.Location, new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var again = new List<ImageObject>();
        await foreach (var i in src.ListImagesAsync(jobs[1], new SkipCounter(), CancellationToken.None))
        {
            again.Add(i);
        }
        Assert.NotEqual(x.ETag, again[0].ETag);
    }
}
