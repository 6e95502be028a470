using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Tests.Imaging;

/// <summary>
/// The vectorised resampling kernels against Pillow's sums written out plainly (Resample.c: half + sum of pixel x
/// fixed-point weight, shifted by 22 and clipped), on random pixels and sizes the corpus does not reach: windows of
/// 1 to 80 taps, widths that are not multiples of 8 or 32, 256-bit and 512-bit steps.
/// </summary>
public sealed class ResampleKernelTests
{
    private const int Half = 1 << (ResampleCoefficients.PrecisionBits - 1);

    public static TheoryData<int, int, bool> HorizontalSizes()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (var (inSize, outSize) in new[] { (1, 1), (7, 3), (33, 33), (100, 7), (255, 256), (256, 32), (517, 256), (1024, 256), (3000, 256), (4224, 257), (640, 9), (80, 200), (5000, 61) })
        {
            data.Add(inSize, outSize, false);
            data.Add(inSize, outSize, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(HorizontalSizes))]
    public void The_16_bit_horizontal_pass_gives_Pillows_sums(int inSize, int outSize, bool lanczos)
    {
        ResampleFilter filter = lanczos ? ResampleFilter.Lanczos : ResampleFilter.Bicubic;
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            return; // The kernel is only used with AVX2; without it RowResizer takes the 32-bit path.
        }
        var c = ResampleCoefficients.Get(inSize, outSize, filter);
        var random = new Random((inSize * 7919) + outSize);
        foreach (bool allowWide in new[] { true, false })
        {
            for (int trial = 0; trial < 4; trial++)
            {
                // Extreme rows (all 0, all 255, alternating) clip; random ones do not. Padding bytes are random:
                // they meet zero weights only.
                byte[] row = new byte[inSize + RowResizer.RowPadding];
                random.NextBytes(row);
                for (int i = 0; i < inSize; i++)
                {
                    row[i] = trial switch { 0 => 0, 1 => 255, 2 => (byte)((i & 1) * 255), _ => row[i] };
                }
                byte[] got = new byte[outSize];
                Resampler.HorizontalSplit16(row, c, got, allowWide);
                Assert.Equal(Expected(row, c, outSize), got);
            }
        }
    }

    [Theory]
    [MemberData(nameof(HorizontalSizes))]
    public void Three_planes_at_once_give_each_planes_own_sums(int inSize, int outSize, bool lanczos)
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            return;
        }
        var c = ResampleCoefficients.Get(inSize, outSize, lanczos ? ResampleFilter.Lanczos : ResampleFilter.Bicubic);
        int planeStride = inSize + RowResizer.RowPadding + 5;
        byte[] planes = new byte[(2 * planeStride) + inSize + RowResizer.RowPadding];
        new Random(inSize + (31 * outSize)).NextBytes(planes);
        foreach (bool allowWide in new[] { true, false })
        {
            byte[][] got = [new byte[outSize], new byte[outSize], new byte[outSize]];
            Resampler.HorizontalSplit16Planes(planes, planeStride, c, got[0], got[1], got[2], allowWide);
            for (int p = 0; p < 3; p++)
            {
                Assert.Equal(Expected(planes[(p * planeStride)..], c, outSize), got[p]);
            }
        }
    }

    [Fact]
    public void The_16_bit_horizontal_pass_refuses_a_row_without_padding()
    {
        var c = ResampleCoefficients.Get(100, 10, ResampleFilter.Bicubic);
        Assert.Throws<ArgumentException>(() => Resampler.HorizontalSplit16(new byte[100 + RowResizer.RowPadding - 1], c, new byte[10]));
    }

    [Theory]
    [InlineData(32, 1, 300)]
    [InlineData(33, 256, 3000)]
    [InlineData(256, 256, 700)]
    [InlineData(100, 32, 256)]
    [InlineData(257, 5, 4000)]
    public void The_blocked_vertical_pass_gives_Pillows_sums(int width, int outHeight, int inHeight)
    {
        var c = ResampleCoefficients.Get(inHeight, outHeight, ResampleFilter.Bicubic);
        int first = c.Start[0];
        int rows = c.Start[outHeight - 1] + c.Count[outHeight - 1] - first;
        var random = new Random(width + outHeight + inHeight);
        using var temp = new PixelImage(width, rows, PixelLayout.Gray8, PillowMode.L);
        random.NextBytes(temp.Bytes);
        using var result = new PixelImage(width, outHeight, PixelLayout.Gray8, PillowMode.L);
        Resampler.Vertical(temp, first, c, result, 1);
        for (int yy = 0; yy < outHeight; yy++)
        {
            for (int x = 0; x < width; x++)
            {
                int sum = Half;
                for (int t = 0; t < c.Count[yy]; t++)
                {
                    sum += temp.Bytes[((c.Start[yy] - first + t) * width) + x] * c.Fixed1[(yy * c.Stride1) + t];
                }
                Assert.True(Clip8(sum) == result.Bytes[(yy * width) + x], $"row {yy}, column {x}");
            }
        }
    }

    [Fact]
    public void The_seed_sizes_have_mirror_symmetric_weights()
    {
        // The flip hashes reuse the resize of the unflipped image only when this holds (checked at run time).
        Assert.True(ResampleCoefficients.Get(256, 32, ResampleFilter.Lanczos).IsMirrorSymmetric);
    }

    [Fact]
    public void Where_weights_are_mirror_symmetric_the_resize_of_a_mirror_is_the_mirror_of_the_resize()
    {
        var random = new Random(5);
        int symmetric = 0, asymmetric = 0;
        for (int size = 40; size <= 420; size += 7)
        {
            var c = ResampleCoefficients.Get(size, 32, ResampleFilter.Lanczos);
            if (!c.IsMirrorSymmetric)
            {
                asymmetric++;
                continue;
            }
            symmetric++;
            using var image = new PixelImage(size, size, PixelLayout.Gray8, PillowMode.L);
            random.NextBytes(image.Bytes);
            var view = new ImageView(image);
            using PixelImage resized = Resampler.Resize(view, ChannelRead.Gray, 32, 32, ResampleFilter.Lanczos, PillowMode.L);
            using PixelImage ofMirror = Resampler.Resize(view.Mirror(), ChannelRead.Gray, 32, 32, ResampleFilter.Lanczos, PillowMode.L);
            using PixelImage ofFlip = Resampler.Resize(view.Flip(), ChannelRead.Gray, 32, 32, ResampleFilter.Lanczos, PillowMode.L);
            Assert.Equal(ofMirror.Bytes.ToArray(), Reordered(resized, mirror: true));
            Assert.Equal(ofFlip.Bytes.ToArray(), Reordered(resized, mirror: false));
        }
        // Both kinds occur in this range, so the check matters and the shortcut is taken.
        Assert.True(symmetric > 10 && asymmetric > 0, $"{symmetric} symmetric, {asymmetric} not");
    }

    [Theory]
    [InlineData(256, 256)]
    [InlineData(300, 200)]
    [InlineData(61, 403)]
    [InlineData(97, 97)]
    public void Flip_hashes_equal_the_hashes_of_the_flipped_images(int width, int height)
    {
        // Whether or not a size takes the shortcut, the flip hashes must be those of the flipped image, resized.
        var random = new Random(width * height);
        using var small = new PixelImage(width, height, PixelLayout.Gray8, PillowMode.L);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                // Smooth content with noise: hashes that depend on every pixel, far from all-equal bits.
                small.Bytes[(y * width) + x] = (byte)Math.Clamp((128 + (100 * Math.Sin(x / 9.0) * Math.Cos(y / 13.0))) + random.Next(-20, 21), 0, 255);
            }
        }
        var view = new ImageView(small);
        SeedHashes seed = ImageHasher.SeedHashesOf(small, new SeedOptions { ResizeWidth = width, ResizeHeight = height });
        Assert.Equal(HashFunctions.PHash(view, ChannelRead.Gray, 8).ToString(), seed.Original);
        Assert.Equal(HashFunctions.PHash(view.Mirror(), ChannelRead.Gray, 8).ToString(), seed.HFlip);
        Assert.Equal(HashFunctions.PHash(view.Flip(), ChannelRead.Gray, 8).ToString(), seed.VFlip);
    }

    /// <summary>A one-byte-a-pixel image's pixels left-right mirrored, or top-bottom flipped.</summary>
    private static byte[] Reordered(PixelImage image, bool mirror)
    {
        int w = image.Width, h = image.Height;
        var bytes = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                bytes[(y * w) + x] = mirror ? image.Bytes[(y * w) + (w - 1 - x)] : image.Bytes[((h - 1 - y) * w) + x];
            }
        }
        return bytes;
    }

    private static byte[] Expected(byte[] row, ResampleCoefficients c, int outSize)
    {
        var expected = new byte[outSize];
        for (int o = 0; o < outSize; o++)
        {
            int sum = Half;
            for (int i = 0; i < c.Count[o]; i++)
            {
                sum += row[c.Start[o] + i] * c.Fixed1[(o * c.Stride1) + i];
            }
            expected[o] = Clip8(sum);
        }
        return expected;
    }

    private static byte Clip8(int v) => v >= (1 << (ResampleCoefficients.PrecisionBits + 8)) ? (byte)255 : v <= 0 ? (byte)0 : (byte)(v >> ResampleCoefficients.PrecisionBits);
}
