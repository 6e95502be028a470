using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Tests.Hashing;

/// <summary>
/// The row-by-row JPEG path (scanline decode feeding <see cref="RowResizer"/>) against the full decode and
/// <see cref="Resampler.Resize(in ImageView, ChannelRead, int, int, ResampleFilter, PillowMode)"/>: byte-identical
/// resized pixels for every corpus JPEG, for the hash sizes and for shapes the golden columns do not reach
/// (upscaling, one dimension unchanged, odd sizes).
/// </summary>
public sealed class RowStreamingTests
{
    private static readonly (int W, int H, ResampleFilter Filter, ChannelRead Read)[] Targets =
    [
        (32, 32, ResampleFilter.Lanczos, ChannelRead.Luma),
        (9, 8, ResampleFilter.Lanczos, ChannelRead.Luma),
        (256, 256, ResampleFilter.Bicubic, ChannelRead.Rgba),
        (257, 13, ResampleFilter.Bicubic, ChannelRead.Rgba),
        (1100, 37, ResampleFilter.Lanczos, ChannelRead.Luma),
        (0, 40, ResampleFilter.Bicubic, ChannelRead.Rgba), // 0 = source width
        (64, 0, ResampleFilter.Lanczos, ChannelRead.Luma), // 0 = source height
    ];

    public static TheoryData<string> Jpegs()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.GetFiles(Path.Combine(TestPaths.Corpus, "images", "src"), "*.jpg").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Jpegs))]
    public void Row_by_row_resize_equals_the_full_decode_resize(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "images", "src", file));
        foreach (DecodeMode mode in new[] { DecodeMode.Exact, DecodeMode.Fast })
        {
            var options = new DecodeOptions { Mode = mode };
            using DecodedImage full = ImageDecoder.Decode(bytes, options, 256, 256, default);
            var view = new ImageView(full.Pixels);
            bool grayRows = full.Pixels.Layout == PixelLayout.Gray8;
            foreach (var t in Targets)
            {
                int w = t.W == 0 ? view.Width : t.W, h = t.H == 0 ? view.Height : t.H;
                ChannelRead read = grayRows ? ChannelRead.Gray : t.Read;
                byte[] expected = Expected(view, read, w, h, t.Filter);
                byte[] got = Streamed(bytes, options, read, w, h, t.Filter);
                Assert.True(expected.AsSpan().SequenceEqual(got), $"{file} {mode} {w}x{h} {t.Filter} {read}: pixels differ");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Jpegs))]
    public void Hashes_are_the_same_with_and_without_row_streaming(string file)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "images", "src", file));
        var request = new HashRequest
        {
            Algorithms = [HashAlgorithmKind.PHash, HashAlgorithmKind.DHash, HashAlgorithmKind.AHash, HashAlgorithmKind.WHash],
            HashSize = 16,
            Seed = new SeedOptions { ResizeWidth = 300, ResizeHeight = 200, Permutations = Permutation.Defaults },
        };
        // AutoOrient with an orientation other than 1 takes the full decode: compare against a request without it
        // only when the image is upright, and always against the explicit full-decode path.
        var hasher = new ImageHasher();
        ImageHashResult streamed = hasher.Hash(bytes, request);
        using var session = ImageDecoder.Open(bytes, request.Decode, 300, 256, default);
        Assert.True(session.CanStreamRows);
        ImageHashResult reference = FullDecodeHash(bytes, request);
        Assert.Equal(reference.Hashes.OrderBy(k => k.Key), streamed.Hashes.OrderBy(k => k.Key));
        Assert.Equal(reference.Seed!.Original, streamed.Seed!.Original);
        Assert.Equal(reference.Seed.HFlip, streamed.Seed.HFlip);
        Assert.Equal(reference.Seed.VFlip, streamed.Seed.VFlip);
        Assert.Equal(reference.Seed.Permutations, streamed.Seed.Permutations);
    }

    /// <summary>The hashes through the full-decode path (AutoOrient on an upright JPEG changes nothing but forces that path when orientation != 1; here we call the internals directly).</summary>
    private static ImageHashResult FullDecodeHash(byte[] bytes, HashRequest request)
    {
        using DecodedImage d = ImageDecoder.Decode(bytes, request.Decode, 300, 256, default);
        var view = new ImageView(d.Pixels);
        ChannelRead gray = ImageHasher.GrayRead(d.Pixels.Layout);
        var hashes = new Dictionary<HashAlgorithmKind, string>
        {
            [HashAlgorithmKind.PHash] = HashFunctions.PHash(view, gray, 16).ToString(),
            [HashAlgorithmKind.DHash] = HashFunctions.DHash(view, gray, 16).ToString(),
            [HashAlgorithmKind.AHash] = HashFunctions.AHash(view, gray, 16).ToString(),
            [HashAlgorithmKind.WHash] = HashFunctions.WHash(view, gray, 16).ToString(),
        };
        using PixelImage small = ImageHasher.SeedResize(view, 300, 200);
        var sv = new ImageView(small);
        var perms = new List<KeyValuePair<string, string>>();
        foreach (Permutation p in request.Seed!.Permutations)
        {
            using PixelImage varied = p.Apply(small);
            perms.Add(new(p.Name, HashFunctions.PHash(new ImageView(varied), ChannelRead.Gray, 8).ToString()));
        }
        return new ImageHashResult
        {
            Hashes = hashes,
            Seed = new SeedHashes(
                HashFunctions.PHash(sv, ChannelRead.Gray, 8).ToString(),
                HashFunctions.PHash(sv.Mirror(), ChannelRead.Gray, 8).ToString(),
                HashFunctions.PHash(sv.Flip(), ChannelRead.Gray, 8).ToString(),
                perms),
        };
    }

    private static byte[] Expected(in ImageView view, ChannelRead read, int w, int h, ResampleFilter filter)
    {
        using PixelImage r = Resampler.Resize(view, read, w, h, filter, PillowMode.L);
        if (read != ChannelRead.Rgba)
        {
            return r.Bytes.ToArray();
        }
        var l = new byte[w * h];
        ColorConvert.LumaOf(r.Bytes, l);
        return l;
    }

    private static byte[] Streamed(byte[] bytes, DecodeOptions options, ChannelRead read, int w, int h, ResampleFilter filter)
    {
        using var session = ImageDecoder.Open(bytes, options, 256, 256, default);
        Assert.True(session.StartRows());
        int bpp = session.Layout == PixelLayout.Gray8 ? 1 : 4;
        int rowBytes = session.Width * bpp;
        var row = new byte[rowBytes + RowResizer.RowPadding];
        var luma = new byte[session.Width + RowResizer.RowPadding];
        using var resizer = new RowResizer(session.Width, session.Height, read, w, h, filter);
        for (int y = 0; y < session.Height; y++)
        {
            ReadOnlySpan<byte> got = session.ReadRows(row, 1);
            Assert.Equal(rowBytes + RowResizer.RowPadding, got.Length);
            if (!resizer.Wants(y))
            {
                continue;
            }
            if (read == ChannelRead.Luma)
            {
                ColorConvert.LumaBytes(got[..rowBytes], luma.AsSpan(0, session.Width));
                resizer.AddRow(y, luma);
            }
            else
            {
                resizer.AddRow(y, got);
            }
        }
        using PixelImage result = resizer.Finish();
        return result.Bytes.ToArray();
    }
}
