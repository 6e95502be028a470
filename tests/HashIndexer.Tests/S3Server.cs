using HashIndexer.TestSupport;

namespace HashIndexer.Tests;

/// <summary>One real S3-compatible server (s3rver on 127.0.0.1) for the hosted tests, with the standard bucket seeded.</summary>
public sealed class S3Server : IAsyncLifetime
{
    public const string Bucket = "field-photos";

    public S3rverFixture S3 { get; private set; } = null!;

    public SeededBucket Standard { get; private set; } = null!;

    /// <summary>Connection parameters every S3 cmdlet call in the tests passes (s3rver's fixed keys).</summary>
    public string Connection => $"-EndpointUrl '{S3.ServiceUrl}' -Region us-east-1 -AccessKey S3RVER -SecretKey S3RVER";

    public async Task InitializeAsync()
    {
        S3 = await S3rverFixture.StartAsync();
        Standard = await TestBuckets.SeedStandardAsync(S3, Bucket);
    }

    public async Task DisposeAsync() => await S3.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class S3ServerCollection : ICollectionFixture<S3Server>
{
    public const string Name = "s3rver (hosted)";
}
