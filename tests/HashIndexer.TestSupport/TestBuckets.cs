// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Text;

namespace HashIndexer.TestSupport;

/// <summary>One object the seeders put in a bucket, with what a correct reader must see.</summary>
/// <param name="Key">The full key.</param>
/// <param name="JobNumber">The job folder it belongs to, or null for a loose object.</param>
/// <param name="Bytes">Exactly what was uploaded.</param>
/// <param name="ETag">The ETag S3 (and s3rver) lists, without quotes.</param>
/// <param name="IsImage">Whether its extension is one of the default image extensions.</param>
public sealed record SeededObject(string Key, string? JobNumber, byte[] Bytes, string ETag, bool IsImage);

/// <summary>A job folder the seeders made, with the url.txt value a correct reader must produce ("" when absent).</summary>
public sealed record SeededJob(string JobNumber, string Prefix, string ExpectedUrl);

/// <summary>What is in a seeded bucket.</summary>
public sealed class SeededBucket
{
    public required string Bucket { get; init; }

    public required string RootPrefix { get; init; }

    public List<SeededJob> Jobs { get; } = [];

    public List<SeededObject> Objects { get; } = [];

    public IEnumerable<SeededObject> Images => Objects.Where(o => o.IsImage && o.JobNumber is not null);

    public SeededObject this[string key] => Objects.Single(o => o.Key == key);
}

/// <summary>
/// Seeds the buckets every suite tests against: the standard bucket (the awkward cases a real bucket has) and
/// large generated ones (more than one page of jobs, of objects).
/// </summary>
public static class TestBuckets
{
    /// <summary>The original indexer's root prefix: with a space, as in production.</summary>
    public const string StandardRootPrefix = "ODM Duplicate Image/";

    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"];

    /// <summary>Keys of the standard bucket, by what they test.</summary>
    public static class Keys
    {
        public const string Job1Url = StandardRootPrefix + "1001/url.txt";
        public const string Job2UrlBomCrlf = StandardRootPrefix + "1002/url.txt";
        public const string NonImage = StandardRootPrefix + "1002/notes.txt";
        public const string ZeroByte = StandardRootPrefix + "1002/empty.jpg";
        public const string SubFolderImage = StandardRootPrefix + "1002/sub folder/nested.png";
        public const string Unicode = StandardRootPrefix + "1003/Fotoğraf çift é ü 日本.jpg";
        public const string PlusAmpPercent = StandardRootPrefix + "1003/a+b & c %20 d=e;f.JPG";
        public const string UnicodeFolder = StandardRootPrefix + "1003/写真 folder/ß+100%.jpeg";
        public const string Multipart = StandardRootPrefix + "1004/multipart.jpg";
        public const string LooseRootObject = StandardRootPrefix + "readme.txt";
    }

    /// <summary>Jobs: 1001 (url.txt, 3 photos), 1002 (url.txt with BOM + CRLF, a non-image, a zero-byte .jpg,
    /// a sub-folder image), 1003 (no url.txt, unicode and + &amp; % keys), 1004 (url.txt, a 2-part multipart object),
    /// plus a loose object under the root that belongs to no job.</summary>
    public const string StandardDescription = "standard";

    /// <summary>Creates <paramref name="bucket"/> and fills it with the standard layout; images from the shared corpus.</summary>
    public static async Task<SeededBucket> SeedStandardAsync(S3rverFixture s3, string bucket, CancellationToken cancellationToken = default)
    {
        await s3.CreateBucketAsync(bucket, cancellationToken);
        var seeded = new SeededBucket { Bucket = bucket, RootPrefix = StandardRootPrefix };
        string[] corpus = CorpusImages();
        byte[] Image(int i) => File.ReadAllBytes(corpus[i % corpus.Length]);

        async Task Put(string key, string? job, byte[] bytes)
        {
            string etag = await s3.PutObjectAsync(bucket, key, bytes, cancellationToken);
            seeded.Objects.Add(new SeededObject(key, job, bytes, etag, IsImage(key)));
        }

        // 1001: a plain job.
        seeded.Jobs.Add(new SeededJob("1001", StandardRootPrefix + "1001/", "https://example.com/jobs/1001"));
        await Put(Keys.Job1Url, "1001", Encoding.UTF8.GetBytes("https://example.com/jobs/1001\n"));
        for (int i = 0; i < 3; i++)
        {
            await Put(StandardRootPrefix + "1001/" + Path.GetFileName(corpus[i]), "1001", Image(i));
        }

        // 1002: url.txt with a BOM, spaces and CRLF; a non-image; a zero-byte .jpg; an image in a sub-folder.
        seeded.Jobs.Add(new SeededJob("1002", StandardRootPrefix + "1002/", "https://example.com/jobs/1002?a=1&b=2"));
        await Put(Keys.Job2UrlBomCrlf, "1002", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("  https://example.com/jobs/1002?a=1&b=2 \r\n\r\n")]);
        await Put(Keys.NonImage, "1002", Encoding.UTF8.GetBytes("not an image\n"));
        await Put(Keys.ZeroByte, "1002", []);
        await Put(StandardRootPrefix + "1002/" + Path.GetFileName(corpus[3]), "1002", Image(3));
        await Put(Keys.SubFolderImage, "1002", Image(Math.Max(0, Array.FindIndex(corpus, p => p.EndsWith(".png", StringComparison.Ordinal)))));

        // 1003: no url.txt; keys that need encoding in a URL.
        seeded.Jobs.Add(new SeededJob("1003", StandardRootPrefix + "1003/", ""));
        await Put(Keys.Unicode, "1003", Image(4));
        await Put(Keys.PlusAmpPercent, "1003", Image(5));
        await Put(Keys.UnicodeFolder, "1003", Image(6));

        // 1004: a multipart object.
        seeded.Jobs.Add(new SeededJob("1004", StandardRootPrefix + "1004/", "https://example.com/jobs/1004"));
        await Put(StandardRootPrefix + "1004/url.txt", "1004", Encoding.UTF8.GetBytes("https://example.com/jobs/1004"));
        byte[] big = Image(7);
        string multipartETag = await s3.PutMultipartAsync(bucket, Keys.Multipart, big, 2, cancellationToken);
        seeded.Objects.Add(new SeededObject(Keys.Multipart, "1004", big, multipartETag, true));

        // Under the root but in no job folder: never listed as a job or an image.
        await Put(Keys.LooseRootObject, null, Encoding.UTF8.GetBytes("loose\n"));
        return seeded;
    }

    /// <summary>
    /// <paramref name="jobCount"/> jobs under <paramref name="rootPrefix"/> (job-00000/ ...), each with one tiny .jpg
    /// and, every <paramref name="urlEvery"/>th job, a url.txt. Uploads <paramref name="parallelism"/> at a time.
    /// </summary>
    public static async Task<SeededBucket> SeedManyJobsAsync(S3rverFixture s3, string bucket, string rootPrefix, int jobCount,
        int urlEvery = 10, int parallelism = 16, CancellationToken cancellationToken = default)
    {
        await s3.CreateBucketAsync(bucket, cancellationToken);
        var seeded = new SeededBucket { Bucket = bucket, RootPrefix = rootPrefix };
        var objects = new List<SeededObject>();
        for (int i = 0; i < jobCount; i++)
        {
            string number = "job-" + i.ToString("D5", CultureInfo.InvariantCulture);
            string prefix = rootPrefix + number + "/";
            string url = i % urlEvery == 0 ? $"https://example.com/{number}" : "";
            seeded.Jobs.Add(new SeededJob(number, prefix, url));
            objects.Add(new SeededObject(prefix + "img.jpg", number, TinyBytes(i), "", true));
            if (url.Length > 0)
            {
                objects.Add(new SeededObject(prefix + "url.txt", number, Encoding.UTF8.GetBytes(url + "\n"), "", false));
            }
        }
        seeded.Objects.AddRange(await UploadAllAsync(s3, bucket, objects, parallelism, cancellationToken));
        return seeded;
    }

    /// <summary>One job with <paramref name="objectCount"/> tiny objects (every 10th a .txt, the rest .jpg/.png).</summary>
    public static async Task<SeededBucket> SeedManyObjectsAsync(S3rverFixture s3, string bucket, string rootPrefix, string jobNumber,
        int objectCount, int parallelism = 16, CancellationToken cancellationToken = default)
    {
        await s3.CreateBucketAsync(bucket, cancellationToken);
        var seeded = new SeededBucket { Bucket = bucket, RootPrefix = rootPrefix };
        string prefix = rootPrefix + jobNumber + "/";
        seeded.Jobs.Add(new SeededJob(jobNumber, prefix, ""));
        var objects = new List<SeededObject>();
        for (int i = 0; i < objectCount; i++)
        {
            string ext = i % 10 == 9 ? ".txt" : i % 2 == 0 ? ".jpg" : ".png";
            string key = prefix + (i % 7 == 0 ? "sub/" : "") + "obj-" + i.ToString("D5", CultureInfo.InvariantCulture) + ext;
            objects.Add(new SeededObject(key, jobNumber, TinyBytes(i), "", ext != ".txt"));
        }
        seeded.Objects.AddRange(await UploadAllAsync(s3, bucket, objects, parallelism, cancellationToken));
        return seeded;
    }

    /// <summary>Loose objects directly under the root (not in any job): with more than a page of them, a delimiter
    /// listing of the jobs needs several pages on s3rver (which puts every common prefix in one page otherwise).</summary>
    public static async Task<List<SeededObject>> SeedLooseObjectsAsync(S3rverFixture s3, string bucket, string rootPrefix, int count,
        int parallelism = 16, CancellationToken cancellationToken = default)
    {
        var objects = Enumerable.Range(0, count)
            .Select(i => new SeededObject(rootPrefix + "loose-" + i.ToString("D5", CultureInfo.InvariantCulture) + ".txt", null, TinyBytes(i), "", false))
            .ToList();
        return await UploadAllAsync(s3, bucket, objects, parallelism, cancellationToken);
    }

    /// <summary>The 34 distinct corpus photographs, sorted by name.</summary>
    public static string[] CorpusImages()
    {
        string dir = TestSupportPaths.CorpusSourceImages;
        string[] files = Directory.GetFiles(dir).Where(IsImage).ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        return files.Length > 0 ? files : throw new InvalidOperationException("No images in " + dir);
    }

    public static bool IsImage(string key) => ImageExtensions.Any(e => key.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>A few distinct bytes per index (not a decodable image: for listing and transfer tests only).</summary>
    public static byte[] TinyBytes(int i) => Encoding.UTF8.GetBytes("tiny object " + i.ToString(CultureInfo.InvariantCulture));

    private static async Task<List<SeededObject>> UploadAllAsync(S3rverFixture s3, string bucket, List<SeededObject> objects, int parallelism, CancellationToken cancellationToken)
    {
        var result = new SeededObject[objects.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, objects.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                SeededObject o = objects[i];
                string etag = await s3.PutObjectAsync(bucket, o.Key, o.Bytes, ct);
                result[i] = o with { ETag = etag };
            });
        return [.. result];
    }
}
