using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Tests.Imaging;

[CollectionDefinition(nameof(NativePixelBufferTests), DisableParallelization = true)]
public sealed class NativePixelBufferCollection;

/// <summary>Alone (no parallel decodes): the pool is process-wide.</summary>
[Collection(nameof(NativePixelBufferTests))]
public sealed class NativePixelBufferTests
{
    [Fact]
    public void A_returned_block_serves_the_next_image_that_fits_and_the_pool_keeps_at_most_one_per_processor()
    {
        NativePixelBuffer.Trim();
        var big = NativePixelBuffer.Rent(3_000_000);
        Assert.Equal((nuint)(3 << 20), big.Capacity); // rounded up to whole megabytes
        big.Span(3_000_000).Fill(7);
        big.Dispose();

        using (var again = NativePixelBuffer.Rent(2_000_000))
        {
            Assert.Equal((nuint)(3 << 20), again.Capacity); // the same block, not a new one
            Assert.Equal(7, again.Span(10)[5]);
        }

        int max = Math.Max(2, Environment.ProcessorCount);
        var blocks = Enumerable.Range(1, max + 2).Select(mb => NativePixelBuffer.Rent(mb << 20)).ToList();
        blocks.ForEach(b => b.Dispose());
        // The largest ones stay; asking for each again finds them, the smallest were freed.
        var kept = Enumerable.Range(0, max).Select(_ => NativePixelBuffer.Rent(1)).ToList();
        Assert.Equal(Enumerable.Range(3, max).Select(mb => (nuint)(mb << 20)).Order(), kept.Select(b => b.Capacity).Order());
        using var fresh = NativePixelBuffer.Rent(1);
        Assert.Equal((nuint)(1 << 20), fresh.Capacity);
        kept.ForEach(b => b.Dispose());
        NativePixelBuffer.Trim();
    }
}
