// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Buffers.Binary;

namespace HashIndexer.Engine.Imaging;

/// <summary>Container formats recognised from their first bytes.</summary>
internal enum ContainerFormat
{
    Unknown,
    Jpeg,
    Png,
    Gif,
    WebP,
    Bmp,
    Ico,

    /// <summary>Recognised but not decodable here (TIFF, HEIF/AVIF, JPEG 2000, JPEG XL, PSD...).</summary>
    Unsupported,
}

/// <summary>What the encoded bytes say before any pixel is decoded: format, Pillow mode, and cheap sanity checks.</summary>
internal readonly record struct ImageHeader(ContainerFormat Format, string FormatName, PillowMode? Mode, int Width, int Height, PngInfo? Png)
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> Jp2Signature => [0, 0, 0, 0x0C, (byte)'j', (byte)'P', 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];

    private static ReadOnlySpan<byte> JxlSignature => [0, 0, 0, 0x0C, (byte)'J', (byte)'X', (byte)'L', 0x20, 0x0D, 0x0A, 0x87, 0x0A];

    public static ImageHeader Sniff(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        {
            return new ImageHeader(ContainerFormat.Jpeg, "JPEG", null, 0, 0, null);
        }
        if (b.Length >= 8 && b[..8].SequenceEqual(PngSignature))
        {
            PngInfo? png = PngInfo.Parse(b);
            return new ImageHeader(ContainerFormat.Png, "PNG", png?.Mode, png?.Width ?? 0, png?.Height ?? 0, png);
        }
        if (b.Length >= 6 && (b[..6].SequenceEqual("GIF87a"u8) || b[..6].SequenceEqual("GIF89a"u8)))
        {
            return new ImageHeader(ContainerFormat.Gif, "GIF", GifMode(b), 0, 0, null);
        }
        if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return new ImageHeader(ContainerFormat.WebP, "WebP", null, 0, 0, null);
        }
        if (b.Length >= 2 && b[0] == (byte)'B' && b[1] == (byte)'M')
        {
            return new ImageHeader(ContainerFormat.Bmp, "BMP", null, 0, 0, null);
        }
        if (b.Length >= 4 && b[0] == 0 && b[1] == 0 && (b[2] == 1 || b[2] == 2) && b[3] == 0)
        {
            return new ImageHeader(ContainerFormat.Ico, "ICO", null, 0, 0, null);
        }
        string? unsupported = UnsupportedName(b);
        if (unsupported is not null)
        {
            return new ImageHeader(ContainerFormat.Unsupported, unsupported, null, 0, 0, null);
        }
        return new ImageHeader(ContainerFormat.Unknown, "unknown", null, 0, 0, null);
    }

    private static string? UnsupportedName(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 4 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0) || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42)))
        {
            return "TIFF";
        }
        if (b.Length >= 12 && b.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            ReadOnlySpan<byte> brand = b.Slice(8, 4);
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8))
            {
                return "AVIF";
            }
            if (brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8) || brand.SequenceEqual("hevc"u8))
            {
                return "HEIF";
            }
        }
        if (b.Length >= 12 && b[..12].SequenceEqual(Jp2Signature))
        {
            return "JPEG 2000";
        }
        if ((b.Length >= 2 && b[0] == 0xFF && b[1] == 0x0A) || (b.Length >= 12 && b[..12].SequenceEqual(JxlSignature)))
        {
            return "JPEG XL";
        }
        if (b.Length >= 4 && b[..4].SequenceEqual("8BPS"u8))
        {
            return "PSD";
        }
        return null;
    }

    /// <summary>
    /// Pillow 9.4 opens a GIF as P, or as L when the first frame's palette is the identity gray ramp
    /// (index i = (i, i, i)) or absent. L resizes with BICUBIC, P with NEAREST.
    /// </summary>
    private static PillowMode GifMode(ReadOnlySpan<byte> b)
    {
        if (b.Length < 13)
        {
            return PillowMode.P;
        }
        int flags = b[10];
        int pos = 13;
        ReadOnlySpan<byte> palette = default;
        if ((flags & 0x80) != 0)
        {
            int len = 3 << ((flags & 7) + 1);
            if (pos + len > b.Length)
            {
                return PillowMode.P;
            }
            palette = b.Slice(pos, len);
            pos += len;
        }
        // Skip extensions up to the first image descriptor, whose local table (if any) takes precedence.
        while (pos < b.Length)
        {
            byte block = b[pos];
            if (block == 0x21)
            {
                pos += 2;
                while (pos < b.Length && b[pos] != 0)
                {
                    pos += b[pos] + 1;
                }
                pos++;
                continue;
            }
            if (block == 0x2C && pos + 10 <= b.Length)
            {
                int lflags = b[pos + 9];
                if ((lflags & 0x80) != 0)
                {
                    int len = 3 << ((lflags & 7) + 1);
                    if (pos + 10 + len <= b.Length)
                    {
                        palette = b.Slice(pos + 10, len);
                    }
                }
            }
            break;
        }
        for (int i = 0; i + 2 < palette.Length; i += 3)
        {
            int idx = i / 3;
            if (palette[i] != idx || palette[i + 1] != idx || palette[i + 2] != idx)
            {
                return PillowMode.P;
            }
        }
        return PillowMode.L;
    }
}

/// <summary>PNG IHDR and the chunk layout: enough to know Pillow's mode and to spot truncated or bomb files without decoding.</summary>
internal sealed record PngInfo(int Width, int Height, int BitDepth, int ColorType, bool Interlaced, long IdatBytes, bool HasIend, bool ChunksTruncated)
{
    public PillowMode Mode => (ColorType, BitDepth) switch
    {
        (0, 1) => PillowMode.One,
        (0, 16) => PillowMode.I,
        (0, _) => PillowMode.L,
        (2, _) => PillowMode.RGB,
        (3, _) => PillowMode.P,
        (4, _) => PillowMode.LA,
        _ => PillowMode.RGBA,
    };

    public int Channels => ColorType switch
    {
        0 => 1,
        2 => 3,
        3 => 1,
        4 => 2,
        _ => 4,
    };

    /// <summary>A lower bound of the inflated image data: every pixel's bits, without filter bytes.</summary>
    public long MinimumRawBytes => ((long)Width * Height * Channels * BitDepth) / 8;

    /// <summary>
    /// True when the compressed data cannot possibly hold the whole image: deflate expands at most 1032:1
    /// (a 258-byte match coded in 2 bits), so fewer IDAT bytes than raw/1032 means rows are missing.
    /// </summary>
    public bool CertainlyTooShort => IdatBytes * 1032L + 4096 < MinimumRawBytes;

    public static PngInfo? Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < 33 || !b.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return null;
        }
        int w = BinaryPrimitives.ReadInt32BigEndian(b.Slice(16, 4));
        int h = BinaryPrimitives.ReadInt32BigEndian(b.Slice(20, 4));
        int depth = b[24];
        int ct = b[25];
        bool interlaced = b[28] == 1;
        long idat = 0;
        bool iend = false;
        bool truncated = false;
        int pos = 8;
        while (pos + 8 <= b.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(b.Slice(pos, 4));
            ReadOnlySpan<byte> type = b.Slice(pos + 4, 4);
            long end = pos + 12L + len;
            if (type.SequenceEqual("IDAT"u8))
            {
                idat += Math.Min(len, b.Length - (pos + 8L));
            }
            if (type.SequenceEqual("IEND"u8))
            {
                iend = true;
                break;
            }
            if (end > b.Length)
            {
                truncated = true;
                break;
            }
            pos = (int)end;
        }
        if (!iend && pos < b.Length && pos + 8 > b.Length)
        {
            truncated = true;
        }
        return new PngInfo(w, h, depth, ct, interlaced, idat, iend, truncated || !iend);
    }
}
