using HashIndexer.Engine.Hashing;

namespace HashIndexer.Engine.Tests.Hashing;

public sealed class PermutationTests
{
    [Fact]
    public void Default_list_has_the_documented_names_and_values()
    {
        var d = Permutation.Defaults;
        Assert.Equal(["rot_p5", "rot_m5", "zoom_110", "bright_up", "bright_down", "contrast_up", "contrast_down"], d.Select(p => p.Name));
        Assert.Equal(new Permutation("rot_p5", "rotate", 5), d[0]);
        Assert.Equal(new Permutation("rot_m5", "rotate", -5), d[1]);
        Assert.Equal(new Permutation("zoom_110", "zoom", 1.1), d[2]);
        Assert.Equal(new Permutation("bright_up", "brightness", 1.2), d[3]);
        Assert.Equal(new Permutation("bright_down", "brightness", 0.8), d[4]);
        Assert.Equal(new Permutation("contrast_up", "contrast", 1.2), d[5]);
        Assert.Equal(new Permutation("contrast_down", "contrast", 0.8), d[6]);
    }

    [Theory]
    [InlineData("rotate:+5", "rot_p5", "rotate", 5)]
    [InlineData(" rotate : -2.5 ", "rot_m2_5", "rotate", -2.5)]
    [InlineData("zoom:1.25", "zoom_125", "zoom", 1.25)]
    [InlineData("brightness:0.8", "bright_down", "brightness", 0.8)]
    [InlineData("contrast:1.2", "contrast_up", "contrast", 1.2)]
    [InlineData("tilt=rotate:12", "tilt", "rotate", 12)]
    public void Parses_specs(string spec, string name, string kind, double amount)
    {
        Assert.Equal(new Permutation(name, kind, amount), Permutation.Parse(spec));
    }

    [Theory]
    [InlineData("rotate", "kind:amount")]
    [InlineData("spin:5", "unknown kind")]
    [InlineData("rotate:five", "not a number")]
    [InlineData("zoom:0.5", "between 1 and 10")]
    [InlineData("bad name=rotate:5", "name")]
    public void Rejects_bad_specs(string spec, string message)
    {
        var e = Assert.Throws<FormatException>(() => Permutation.Parse(spec));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void List_rejects_duplicate_names()
    {
        var e = Assert.Throws<FormatException>(() => Permutation.ParseList("brightness:1.2, brightness:1.5"));
        Assert.Contains("bright_up", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, Permutation.ParseList("brightness:1.2; more=brightness:1.5").Count);
    }

    /// <summary>Values from Pillow 9.4 (see the Permutation docs for the Python expressions).</summary>
    [Theory]
    [InlineData("images/src/skimage_camera.png", "9ff1c181470e4ebc", "97f0c1c2414fdc5e", "9ff9c1c0604e8c9f", "bff1c1c0434e8cbc", "bff1c1c0434e8cbc", "bff1c1c0434e8cbc", "bff1c1c0434e8cbc")]
    [InlineData("images/src/kpa_skagen.jpg", "d5d515050f328f1f", "80c0506d4f5fcd5f", "85c2be6907b2cc3d", "95c33d2d0fb0cc3c", "95c33d2d0fb0cc3c", "95c33d250fb0cd3c", "95c23d2d0fb0cd3c")]
    public void Default_permutations_match_pillow(string file, params string[] expected)
    {
        var r = new ImageHasher().HashFile(Path.Combine(TestPaths.Corpus, file),
            new HashRequest { Seed = new SeedOptions { Permutations = Permutation.Defaults } });
        Assert.Equal(Permutation.Defaults.Select(p => p.Name), r.Seed!.Permutations.Select(p => p.Key));
        Assert.Equal(expected, r.Seed.Permutations.Select(p => p.Value));
    }
}
