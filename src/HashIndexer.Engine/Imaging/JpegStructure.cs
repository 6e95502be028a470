// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Buffers.Binary;

namespace HashIndexer.Engine.Imaging;

/// <summary>
/// Walks a JPEG's marker segments and entropy-coded data to the EOI marker. libjpeg (inside both Pillow and
/// SkiaSharp) pads a truncated progressive JPEG with an end marker and decodes it without an error, and Pillow
/// then refuses it ("image file is truncated"); a file that ends before EOI is truncated. Cheap: a vectorised
/// search for 0xFF bytes, no decoding.
/// </summary>
internal static class JpegStructure
{
    public enum Status
    {
        Complete,
        Truncated,
        Corrupt,
    }

    public static Status Check(ReadOnlySpan<byte> b)
    {
        int pos = 2;
        while (true)
        {
            // Find the next marker (fill bytes 0xFF allowed).
            if (pos >= b.Length)
            {
                return Status.Truncated;
            }
            if (b[pos] != 0xFF)
            {
                return Status.Corrupt;
            }
            while (pos < b.Length && b[pos] == 0xFF)
            {
                pos++;
            }
            if (pos >= b.Length)
            {
                return Status.Truncated;
            }
            byte m = b[pos];
            pos++;
            if (m == 0xD9)
            {
                return Status.Complete;
            }
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            {
                continue;
            }
            if (pos + 2 > b.Length)
            {
                return Status.Truncated;
            }
            int len = BinaryPrimitives.ReadUInt16BigEndian(b.Slice(pos, 2));
            if (len < 2)
            {
                return Status.Corrupt;
            }
            if (pos + len > b.Length)
            {
                return Status.Truncated;
            }
            pos += len;
            if (m != 0xDA)
            {
                continue;
            }
            // Entropy-coded data: skip to the next marker that is not a stuffed 0xFF00 or a restart marker.
            while (true)
            {
                int ff = b[pos..].IndexOf((byte)0xFF);
                if (ff < 0)
                {
                    return Status.Truncated;
                }
                pos += ff;
                int next = pos + 1;
                while (next < b.Length && b[next] == 0xFF)
                {
                    next++;
                }
                if (next >= b.Length)
                {
                    return Status.Truncated;
                }
                byte n = b[next];
                if (n == 0x00 || (n >= 0xD0 && n <= 0xD7))
                {
                    pos = next + 1;
                    continue;
                }
                pos = next - 1;
                break;
            }
        }
    }
}
