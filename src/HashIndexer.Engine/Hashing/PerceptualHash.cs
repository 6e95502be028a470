// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Numerics;

namespace HashIndexer.Engine.Hashing;

/// <summary>
/// A perceptual hash as imagehash prints it: the bits row-major, most significant first, as lowercase hex
/// zero-padded to a whole number of hex digits. Compare two hashes with <see cref="Distance(PerceptualHash)"/>
/// (the number of differing bits, as imagehash's <c>h1 - h2</c>).
/// </summary>
public sealed class PerceptualHash : IEquatable<PerceptualHash>
{
    private readonly byte[] _bytes;

    private PerceptualHash(byte[] bytes)
    {
        _bytes = bytes;
    }

    /// <summary>Number of bits (4 per hex digit).</summary>
    public int BitLength => _bytes.Length * 8;

    /// <summary>Builds a hash from its bits in row-major order (most significant first). The count must be a multiple of 8.</summary>
    public static PerceptualHash FromBits(ReadOnlySpan<bool> bits)
    {
        if (bits.Length == 0 || bits.Length % 8 != 0)
        {
            throw new ArgumentException("The number of bits must be a positive multiple of 8.", nameof(bits));
        }
        var bytes = new byte[bits.Length / 8];
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                bytes[i >> 3] |= (byte)(0x80 >> (i & 7));
            }
        }
        return new PerceptualHash(bytes);
    }

    /// <summary>Parses a hex hash (as produced by <see cref="ToString"/> or imagehash). Case-insensitive; an optional "0x" prefix and surrounding whitespace are allowed.</summary>
    /// <exception cref="FormatException">Empty, not hexadecimal, or an odd number of hex digits.</exception>
    public static PerceptualHash Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParse(text, out PerceptualHash? hash, out string? error))
        {
            throw new FormatException(error);
        }
        return hash;
    }

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PerceptualHash? hash)
        => TryParse(text, out hash, out _);

    private static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PerceptualHash? hash, out string? error)
    {
        hash = null;
        ReadOnlySpan<char> s = (text ?? string.Empty).AsSpan().Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            s = s[2..];
        }
        if (s.IsEmpty)
        {
            error = "The hash is empty: expected hexadecimal digits such as 'c3a1f0e4b2d58796'.";
            return false;
        }
        for (int i = 0; i < s.Length; i++)
        {
            if (!char.IsAsciiHexDigit(s[i]))
            {
                error = string.Format(CultureInfo.InvariantCulture,
                    "The hash '{0}' is not hexadecimal: character '{1}' at position {2}.", text, s[i], i + 1);
                return false;
            }
        }
        if (s.Length % 2 != 0)
        {
            error = string.Format(CultureInfo.InvariantCulture,
                "The hash '{0}' has an odd number of hex digits ({1}); a hash is a whole number of bytes (16 digits for 64 bits, 64 for 256).", text, s.Length);
            return false;
        }
        hash = new PerceptualHash(Convert.FromHexString(s));
        error = null;
        return true;
    }

    /// <summary>Number of differing bits (Hamming distance).</summary>
    /// <exception cref="ArgumentException">The hashes have different lengths (e.g. a 64-bit and a 256-bit hash).</exception>
    public int Distance(PerceptualHash other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._bytes.Length != _bytes.Length)
        {
            throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                "Cannot compare a {0}-bit hash with a {1}-bit hash.", BitLength, other.BitLength), nameof(other));
        }
        int d = 0;
        for (int i = 0; i < _bytes.Length; i++)
        {
            d += BitOperations.PopCount((uint)(_bytes[i] ^ other._bytes[i]));
        }
        return d;
    }

    /// <summary>Hamming distance between two hex hashes.</summary>
    public static int Distance(string a, string b) => Parse(a).Distance(Parse(b));

    /// <summary>Lowercase hex, imagehash's str(hash).</summary>
    public override string ToString() => Convert.ToHexString(_bytes).ToLowerInvariant();

    public bool Equals(PerceptualHash? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is PerceptualHash h && Equals(h);

    public override int GetHashCode()
    {
        var hc = new HashCode();
        hc.AddBytes(_bytes);
        return hc.ToHashCode();
    }
}
