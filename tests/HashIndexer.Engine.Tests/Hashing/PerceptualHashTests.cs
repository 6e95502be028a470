using HashIndexer.Engine.Hashing;

namespace HashIndexer.Engine.Tests.Hashing;

public sealed class PerceptualHashTests
{
    [Fact]
    public void Round_trips_lowercase_hex()
    {
        var h = PerceptualHash.Parse("C3A1F0E4B2D58796");
        Assert.Equal("c3a1f0e4b2d58796", h.ToString());
        Assert.Equal(64, h.BitLength);
        Assert.Equal(h, PerceptualHash.Parse("  0xc3a1f0e4b2d58796 "));
        Assert.Equal(256, PerceptualHash.Parse(new string('f', 64)).BitLength);
    }

    [Fact]
    public void Bits_are_row_major_most_significant_first_and_zero_padded()
    {
        var bits = new bool[64];
        bits[0] = true;   // first bit: the top of the first hex digit
        bits[63] = true;  // last bit: the bottom of the last hex digit
        Assert.Equal("8000000000000001", PerceptualHash.FromBits(bits).ToString());
        Assert.Equal("0000000000000000", PerceptualHash.FromBits(new bool[64]).ToString());
    }

    [Theory]
    [InlineData("0000000000000000", "0000000000000000", 0)]
    [InlineData("0000000000000000", "ffffffffffffffff", 64)]
    [InlineData("8000000000000000", "0000000000000001", 2)]
    [InlineData("c3a1f0e4b2d58796", "c3a1f0e4b2d58797", 1)]
    public void Distance_counts_differing_bits(string a, string b, int expected)
    {
        Assert.Equal(expected, PerceptualHash.Distance(a, b));
        Assert.Equal(expected, PerceptualHash.Parse(b).Distance(PerceptualHash.Parse(a)));
    }

    [Fact]
    public void Distance_of_different_lengths_throws()
    {
        var e = Assert.Throws<ArgumentException>(() => PerceptualHash.Distance("0000000000000000", new string('0', 64)));
        Assert.Contains("64-bit", e.Message, StringComparison.Ordinal);
        Assert.Contains("256-bit", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("c3a1f0e4b2d5879g", "not hexadecimal")]
    [InlineData("c3a1-0e4b2d58796", "not hexadecimal")]
    [InlineData("c3a1f0e4b2d5879", "odd number")]
    public void Parse_rejects_bad_input_with_a_clear_message(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => PerceptualHash.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.False(PerceptualHash.TryParse(text, out _));
    }
}
