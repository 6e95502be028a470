using HashIndexer.Engine.Hashing;

namespace HashIndexer.Engine.Tests.Hashing;

/// <summary>corpus/bad/: exactly one ImageProcessingException of the right kind, whatever is requested.</summary>
public sealed class BadFileTests
{
    public static TheoryData<string, ImageErrorKind> Files => new()
    {
        { "zero_bytes.jpg", ImageErrorKind.DecodeFailed },
        { "text_not_image.png", ImageErrorKind.DecodeFailed },
        { "truncated_30pct.jpg", ImageErrorKind.Truncated },
        { "truncated_30pct_in_exif_header.jpg", ImageErrorKind.Truncated },
        { "bomb_60000x60000.png", ImageErrorKind.TooLarge },
        { "bomb_10000x10000_truncated.png", ImageErrorKind.Truncated },
    };

    private static IEnumerable<HashRequest> Requests()
    {
        yield return new HashRequest { Algorithms = [HashAlgorithmKind.PHash] };
        yield return new HashRequest { Algorithms = [HashAlgorithmKind.Sha256] };
        yield return new HashRequest { Seed = new SeedOptions() };
        yield return new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash, HashAlgorithmKind.WHash],
            HashSize = 16,
            Seed = new SeedOptions { Permutations = Permutation.Defaults },
            Decode = new DecodeOptions { Mode = DecodeMode.Fast, AutoOrient = true },
        };
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Bad_file_gives_one_error_of_the_right_kind(string file, ImageErrorKind kind)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "bad", file));
        var hasher = new ImageHasher();
        foreach (HashRequest request in Requests())
        {
            var e = Assert.Throws<ImageProcessingException>(() => hasher.Hash(bytes, request));
            Assert.Equal(kind, e.Kind);
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            Assert.StartsWith("Image", e.ErrorId, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bomb_60000x60000.png")]
    [InlineData("bomb_10000x10000_truncated.png")]
    public void Bombs_are_refused_without_allocating_the_pixels(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "bad", file));
        var hasher = new ImageHasher();
        var request = new HashRequest { Algorithms = [HashAlgorithmKind.PHash] };
        Assert.Throws<ImageProcessingException>(() => hasher.Hash(bytes, request)); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<ImageProcessingException>(() => hasher.Hash(bytes, request));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1_000_000, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void Truncated_100_megapixel_png_mentions_the_pixel_warning()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "bad", "bomb_10000x10000_truncated.png"));
        var e = Assert.Throws<ImageProcessingException>(() => new ImageHasher().Hash(bytes, new HashRequest { Algorithms = [HashAlgorithmKind.PHash] }));
        Assert.Contains("warning limit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pixel_limits_come_from_the_options()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "images", "src", "skimage_camera.png")); // 512x512
        var hasher = new ImageHasher();
        var warn = hasher.Hash(bytes, new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash],
            Decode = new DecodeOptions { PixelWarningLimit = 100_000 },
        });
        Assert.Single(warn.Warnings);
        Assert.Contains("262,144", warn.Warnings[0], StringComparison.Ordinal);
        var none = hasher.Hash(bytes, new HashRequest { Algorithms = [HashAlgorithmKind.PHash] });
        Assert.Empty(none.Warnings);
        var e = Assert.Throws<ImageProcessingException>(() => hasher.Hash(bytes, new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash],
            Decode = new DecodeOptions { PixelWarningLimit = 100_000, PixelLimit = 200_000 },
        }));
        Assert.Equal(ImageErrorKind.TooLarge, e.Kind);
        Assert.Equal("ImageTooLarge", e.ErrorId);
    }

    [Fact]
    public void Known_but_unsupported_container_is_format_unsupported()
    {
        byte[] tiff = [(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var e = Assert.Throws<ImageProcessingException>(() => new ImageHasher().Hash(tiff, new HashRequest { Algorithms = [HashAlgorithmKind.PHash] }));
        Assert.Equal(ImageErrorKind.FormatUnsupported, e.Kind);
        Assert.Equal("ImageFormatUnsupported", e.ErrorId);
    }
}
