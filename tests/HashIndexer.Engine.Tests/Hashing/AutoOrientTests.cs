using HashIndexer.Engine.Hashing;

namespace HashIndexer.Engine.Tests.Hashing;

public sealed class AutoOrientTests
{
    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string line in File.ReadLines(Path.Combine(TestPaths.Corpus, "pairs.tsv")).Skip(1))
        {
            string[] f = line.Split('\t');
            if (f[2] == "exif_orient6")
            {
                data.Add(f[0], f[1]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Orientation_6_is_applied_only_when_asked(string variant, string source)
    {
        var hasher = new ImageHasher();
        var plain = new HashRequest { Algorithms = [HashAlgorithmKind.PHash], Seed = new SeedOptions() };
        var oriented = plain with { Decode = new DecodeOptions { AutoOrient = true } };
        var src = hasher.HashFile(Path.Combine(TestPaths.Corpus, source), plain);
        var raw = hasher.HashFile(Path.Combine(TestPaths.Corpus, variant), plain);
        var upright = hasher.HashFile(Path.Combine(TestPaths.Corpus, variant), oriented);
        Assert.True(PerceptualHash.Distance(src.Hashes[HashAlgorithmKind.PHash], raw.Hashes[HashAlgorithmKind.PHash]) >= 16);
        Assert.True(PerceptualHash.Distance(src.Hashes[HashAlgorithmKind.PHash], upright.Hashes[HashAlgorithmKind.PHash]) <= 6);
        Assert.True(PerceptualHash.Distance(src.Seed!.Original, upright.Seed!.Original) <= 6);
        // Width/Height stay the stored size.
        Assert.Equal(raw.Width, upright.Width);
    }

    [Fact]
    public void All_eight_orientations_are_the_documented_pixel_permutations()
    {
        // A 3x2 image with distinct pixels; view(o) must show it as Pillow's exif_transpose does.
        using var img = new HashIndexer.Engine.Imaging.PixelImage(3, 2, HashIndexer.Engine.Imaging.PixelLayout.Gray8, HashIndexer.Engine.Imaging.PillowMode.L);
        byte[] px = [1, 2, 3, 4, 5, 6];
        px.CopyTo(img.Bytes);
        var view = new HashIndexer.Engine.Imaging.ImageView(img);
        string Show(int o)
        {
            var v = view.Oriented(o);
            var rows = new List<string>();
            for (int y = 0; y < v.Height; y++)
            {
                var r = new List<byte>();
                for (int x = 0; x < v.Width; x++)
                {
                    r.Add(img.Bytes[(int)(v.Origin + (x * v.Dx) + (y * v.Dy))]);
                }
                rows.Add(string.Concat(r));
            }
            return string.Join("/", rows);
        }
        Assert.Equal("123/456", Show(1));
        Assert.Equal("321/654", Show(2));   // mirror
        Assert.Equal("654/321", Show(3));   // rotate 180
        Assert.Equal("456/123", Show(4));   // flip
        Assert.Equal("14/25/36", Show(5));  // transpose
        Assert.Equal("41/52/63", Show(6));  // rotate 90 clockwise
        Assert.Equal("63/52/41", Show(7));  // transverse
        Assert.Equal("36/25/14", Show(8));  // rotate 90 counter-clockwise
    }
}
