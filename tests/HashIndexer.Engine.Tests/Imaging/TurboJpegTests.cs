using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Tests.Imaging;

/// <summary>
/// The machine's libturbojpeg against SkiaSharp: the same pixels for every corpus JPEG (full size and DCT-scaled),
/// and the same errors for the bad files (libturbojpeg hands every image it cannot decode cleanly back to SkiaSharp).
/// </summary>
public sealed class TurboJpegTests
{
    private static readonly DecodeOptions SkiaOnly = new() { UseTurboJpeg = false };

    public static TheoryData<string> Jpegs()
    {
        var data = new TheoryData<string>();
        foreach (string f in CorpusJpegs())
        {
            data.Add(Path.GetRelativePath(TestPaths.Corpus, f));
        }
        return data;
    }

    private static IEnumerable<string> CorpusJpegs()
        => Directory.GetFiles(Path.Combine(TestPaths.Corpus, "images"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    [Fact]
    public void Libturbojpeg_is_installed_where_the_tests_run()
    {
        // .ci/run installs libturbojpeg0; without it every other test here would compare SkiaSharp with itself.
        if (Environment.GetEnvironmentVariable(TurboJpeg.EnvironmentVariable) is "0")
        {
            Assert.Null(TurboJpeg.Instance);
            return;
        }
        Assert.True(TurboJpeg.Instance is not null,
            $"libturbojpeg is not installed (Debian/Ubuntu: apt-get install libturbojpeg0), or set {TurboJpeg.EnvironmentVariable}=0 to test without it.");
    }

    [Fact]
    public void Switched_off_or_missing_library_loads_nothing()
    {
        Assert.Null(TurboJpeg.Load("0"));
        Assert.Null(TurboJpeg.Load("off"));
        Assert.Null(TurboJpeg.Load("/nonexistent/libturbojpeg.so.0"));
    }

    [Fact]
    public void Libturbojpeg_decodes_every_YCbCr_and_grayscale_corpus_jpeg_itself()
    {
        TurboJpeg turbo = TurboJpeg.Instance ?? throw new InvalidOperationException("libturbojpeg is not installed.");
        var declined = new List<string>();
        foreach (string f in CorpusJpegs())
        {
            byte[] bytes = File.ReadAllBytes(f);
            using var session = ImageDecoder.Open(bytes, SkiaOnly, 256, 256, default);
            var buffer = new byte[session.Width * session.Height * 4];
            if (!turbo.TryDecode(bytes, buffer, session.Width, session.Height, session.Layout == PixelLayout.Gray8))
            {
                declined.Add(Path.GetFileName(f));
            }
        }
        // Only the Adobe CMYK JPEGs are left to SkiaSharp.
        Assert.NotEmpty(declined);
        Assert.All(declined, name => Assert.Contains("cmyk", name, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Jpegs))]
    public void Pixels_are_the_same_bytes_as_SkiaSharps(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.Corpus, file));
        foreach (DecodeMode mode in new[] { DecodeMode.Exact, DecodeMode.Fast })
        {
            using DecodedImage turbo = ImageDecoder.Decode(bytes, new DecodeOptions { Mode = mode }, 256, 256, default);
            using DecodedImage skia = ImageDecoder.Decode(bytes, SkiaOnly with { Mode = mode }, 256, 256, default);
            Assert.Equal((skia.Pixels.Width, skia.Pixels.Height, skia.Pixels.Layout, skia.ScaleDenominator), (turbo.Pixels.Width, turbo.Pixels.Height, turbo.Pixels.Layout, turbo.ScaleDenominator));
            Assert.True(skia.Pixels.Bytes.SequenceEqual(turbo.Pixels.Bytes), $"{file} {mode}: pixels differ");
        }
    }

    [Fact]
    public void Bad_files_fail_the_same_way_with_and_without_libturbojpeg()
    {
        var hasher = new ImageHasher();
        var request = new HashRequest { Seed = new SeedOptions() };
        foreach (string f in Directory.GetFiles(Path.Combine(TestPaths.Corpus, "bad")).Order(StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(f);
            string withTurbo = Outcome(() => hasher.Hash(bytes, request));
            string skiaOnly = Outcome(() => hasher.Hash(bytes, request with { Decode = SkiaOnly }));
            Assert.Equal(skiaOnly, withTurbo);
        }
    }

    [Fact]
    public void A_corrupt_jpeg_body_goes_back_to_SkiaSharp_and_hashes_as_it_does_there()
    {
        // Scan data overwritten in the middle: libjpeg warns (corrupt data) and TurboJPEG stops; SkiaSharp decodes on.
        byte[] bytes = File.ReadAllBytes(CorpusJpegs().First());
        for (int i = bytes.Length / 2; i < (bytes.Length / 2) + 64; i++)
        {
            bytes[i] = 0xFF;
        }
        using (var session = ImageDecoder.Open(bytes, SkiaOnly, 256, 256, default))
        {
            var buffer = new byte[session.Width * session.Height * 4];
            Assert.False(TurboJpeg.Instance!.TryDecode(bytes, buffer, session.Width, session.Height, session.Layout == PixelLayout.Gray8));
        }
        var hasher = new ImageHasher();
        var request = new HashRequest { Seed = new SeedOptions(), Algorithms = [HashAlgorithmKind.PHash] };
        Assert.Equal(Outcome(() => hasher.Hash(bytes, request with { Decode = SkiaOnly })), Outcome(() => hasher.Hash(bytes, request)));
    }

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(1, 7, false)]
    [InlineData(3, 2, true)]
    [InlineData(1, 40, true)]
    public void Images_a_few_pixels_wide_hash_as_they_do_with_SkiaSharp(int width, int height, bool gray)
    {
        // A whole-image decode keeps padding readable after its last row however narrow the rows are.
        using var bitmap = new SkiaSharp.SKBitmap(width, height, gray ? SkiaSharp.SKColorType.Gray8 : SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)(40 * x), (byte)(6 * y), (byte)(200 - (3 * y))));
            }
        }
        using SkiaSharp.SKData encoded = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 90);
        byte[] bytes = encoded.ToArray();
        var hasher = new ImageHasher();
        var request = new HashRequest { Seed = new SeedOptions(), Algorithms = [HashAlgorithmKind.PHash, HashAlgorithmKind.DHash] };
        Assert.Equal(Outcome(() => hasher.Hash(bytes, request with { Decode = SkiaOnly })), Outcome(() => hasher.Hash(bytes, request)));
    }

    private static string Outcome(Func<ImageHashResult> hash)
    {
        try
        {
            ImageHashResult r = hash();
            return $"{r.Seed!.Original} {r.Seed.HFlip} {r.Seed.VFlip} {string.Join(',', r.Hashes.Values)}";
        }
        catch (ImageProcessingException e)
        {
            return $"{e.Kind}: {e.Message}";
        }
    }
}
