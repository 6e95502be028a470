using HashIndexer.Engine.S3;
using HashIndexer.Engine.Sources;
using HashIndexer.TestSupport;

namespace HashIndexer.Engine.Tests.S3;

/// <summary>One s3rver for every S3 test class, with the buckets seeded once, on first use.</summary>
public sealed class S3TestEnvironment : IAsyncLifetime
{
    public const string StandardBucket = "standard";
    public const string ManyJobsBucket = "many-jobs";
    public const string ManyObjectsBucket = "many-objects";
    public const int ManyJobs = 1_100;
    public const int ManyLoose = 1_050;
    public const int ManyObjects = 1_050;

    private readonly Lazy<Task<SeededBucket>> _standard;
    private readonly Lazy<Task<SeededBucket>> _manyJobs;
    private readonly Lazy<Task<SeededBucket>> _manyObjects;

    public S3TestEnvironment()
    {
        _standard = new(() => TestBuckets.SeedStandardAsync(S3, StandardBucket));
        _manyJobs = new(async () =>
        {
            SeededBucket b = await TestBuckets.SeedManyJobsAsync(S3, ManyJobsBucket, "jobs root/", ManyJobs);
            b.Objects.AddRange(await TestBuckets.SeedLooseObjectsAsync(S3, ManyJobsBucket, "jobs root/", ManyLoose));
            return b;
        });
        _manyObjects = new(() => TestBuckets.SeedManyObjectsAsync(S3, ManyObjectsBucket, "root/", "big-job", ManyObjects));
    }

    public S3rverFixture S3 { get; private set; } = null!;

    public Task<SeededBucket> Standard => _standard.Value;

    public Task<SeededBucket> ManyJobsSeeded => _manyJobs.Value;

    public Task<SeededBucket> ManyObjectsSeeded => _manyObjects.Value;

    public async Task InitializeAsync() => S3 = await S3rverFixture.StartAsync();

    public async Task DisposeAsync() => await S3.DisposeAsync();

    /// <summary>An engine connection to s3rver (or to <paramref name="endpoint"/>, e.g. a fault proxy).</summary>
    public S3Connection Connect(string? endpoint = null, int maxAttempts = 5, int timeoutSeconds = 30) =>
        new S3ConnectionFactory(_ => null).Create(new S3ConnectionOptions
        {
            EndpointUrl = endpoint ?? S3.ServiceUrl,
            AccessKey = S3rverFixture.AccessKey,
            SecretKey = S3rverFixture.SecretKey,
            MaxAttempts = maxAttempts,
            TimeoutSeconds = timeoutSeconds,
        });

    public static S3ImageSource Source(S3Connection connection, string bucket, string? root, S3ImageSourceOptions? options = null, S3RetryPolicy? retry = null) =>
        new(connection.Client, retry ?? connection.Retry, connection.Info, bucket, root, options);
}

[CollectionDefinition(Name)]
public sealed class S3Collection : ICollectionFixture<S3TestEnvironment>
{
    public const string Name = "s3rver";
}

internal static class AsyncEnumerableExtensions
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (T item in source)
        {
            list.Add(item);
        }
        return list;
    }
}
