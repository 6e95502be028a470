using HashIndexer.Engine.Sources;

namespace HashIndexer.Engine.Tests.Sources;

public sealed class ImageBytesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(85_000)]
    [InlineData(300_001)]
    [InlineData(ImageBytes.MaxPooledLength + 1)]
    public async Task A_file_reads_whole_whatever_its_size(int size)
    {
        string path = Path.Combine(Path.GetTempPath(), $"hashindexer-bytes-{Guid.NewGuid():N}.bin");
        byte[] content = new byte[size];
        new Random(size).NextBytes(content);
        await File.WriteAllBytesAsync(path, content);
        try
        {
            using ImageBytes bytes = await ImageBytes.ReadFileAsync(path, CancellationToken.None);
            Assert.Equal(size, bytes.Length);
            Assert.True(content.AsSpan().SequenceEqual(bytes.Memory.Span));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_missing_file_fails_as_File_ReadAllBytes_does()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hashindexer-missing-{Guid.NewGuid():N}.jpg");
        var expected = await Assert.ThrowsAsync<FileNotFoundException>(() => File.ReadAllBytesAsync(path));
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => ImageBytes.ReadFileAsync(path, CancellationToken.None));
        Assert.Equal(expected.Message, e.Message);
    }

    [Fact]
    public void The_bytes_are_refused_once_given_back_and_the_buffer_is_lent_again()
    {
        var first = ImageBytes.Allocate(100_000);
        first.Writable.Span.Fill(7);
        ReadOnlyMemory<byte> before = first.Memory;
        first.Dispose();
        first.Dispose(); // a second dispose gives nothing back twice
        Assert.Throws<ObjectDisposedException>(() => first.Memory);
        // The pool lends the same array to the next image of that size class: why Memory must not be used after Dispose.
        using var second = ImageBytes.Allocate(100_000);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(before, out ArraySegment<byte> a));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second.Memory, out ArraySegment<byte> b));
        Assert.Same(a.Array, b.Array);
    }

    [Fact]
    public void Arrays_of_their_own_are_kept_as_they_are()
    {
        byte[] own = [1, 2, 3];
        var bytes = ImageBytes.FromArray(own);
        Assert.Equal(own, bytes.Memory.ToArray());
        bytes.Dispose();
        Assert.Equal(new byte[] { 1, 2, 3 }, own);
    }
}
