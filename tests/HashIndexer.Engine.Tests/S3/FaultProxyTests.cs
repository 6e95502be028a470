using Amazon.S3;
using HashIndexer.TestSupport;

namespace HashIndexer.Engine.Tests.S3;

/// <summary>The test infrastructure itself: the fault proxy is deterministic for a seed and forwards faithfully.</summary>
[Collection(S3Collection.Name)]
public sealed class FaultProxyTests
{
    private readonly S3TestEnvironment _env;

    public FaultProxyTests(S3TestEnvironment env)
    {
        _env = env;
    }

    private async Task<List<string>> OutcomesAsync(int seed)
    {
        SeededBucket seeded = await _env.Standard;
        string key = seeded.Images.First().Key;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl, new FaultProxyOptions
        {
            Seed = seed,
            SlowDownRate = 0.3,
            SlowRate = 0.2,
            SlowDelay = TimeSpan.FromMilliseconds(1),
        });
        using AmazonS3Client client = _env.S3.CreateClient(proxy.ServiceUrl);
        var outcomes = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            try
            {
                await client.GetObjectMetadataAsync(seeded.Bucket, key);
                outcomes.Add("ok");
            }
            catch (AmazonS3Exception e)
            {
                outcomes.Add(((int)e.StatusCode).ToString());
            }
        }
        Assert.Equal(outcomes.Count(o => o == "503"), proxy.SlowDowns);
        Assert.Equal(40, proxy.Requests);
        return outcomes;
    }

    [Fact]
    public async Task Same_seed_same_faults_in_the_same_order()
    {
        List<string> first = await OutcomesAsync(5);
        List<string> second = await OutcomesAsync(5);
        List<string> other = await OutcomesAsync(6);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Contains("503", first);
        Assert.Contains("ok", first);
    }

    [Fact]
    public async Task Without_faults_the_proxy_forwards_bytes_and_keys_exactly()
    {
        SeededBucket seeded = await _env.Standard;
        await using FaultProxy proxy = await FaultProxy.StartAsync(_env.S3.ServiceUrl);
        using AmazonS3Client client = _env.S3.CreateClient(proxy.ServiceUrl);

        foreach (SeededObject o in seeded.Images.Where(o => o.Bytes.Length > 0))
        {
            using var response = await client.GetObjectAsync(seeded.Bucket, o.Key);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer);
            Assert.Equal(o.Bytes, buffer.ToArray());
        }
        // The proxy counts a GET once its last byte is written, which can be just after the client has it all.
        SpinWait.SpinUntil(() => seeded.Images.Where(o => o.Bytes.Length > 0).All(o => proxy.CompletedGets(o.Key) == 1), TimeSpan.FromSeconds(5));
        Assert.All(seeded.Images.Where(o => o.Bytes.Length > 0), o => Assert.Equal(1, proxy.CompletedGets(o.Key)));
        Assert.Equal(0, proxy.Injected);
    }
}
