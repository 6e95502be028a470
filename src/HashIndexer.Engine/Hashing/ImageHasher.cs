// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using System.Security.Cryptography;
using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Hashing;

/// <summary>
/// The one hashing pipeline every cmdlet shares: decode once, then the requested hashes. Thread-safe (no
/// mutable state; pixel buffers come from a shared bounded pool), so several workers may call it at once.
/// </summary>
/// <remarks>
/// Values are bit-identical to Python imagehash 4.3.2 on Pillow 9.4 for the algorithms and image modes listed
/// in docs/hashing.md. How images are treated: alpha is ignored by the grayscale conversion (as Pillow's
/// convert('L')), but the seed resize of an RGBA/LA image is done on premultiplied pixels (as Pillow's resize);
/// palette (GIF, palette PNG) and 1-bit images are resized with NEAREST in the seed pipeline, all others with
/// BICUBIC; 16-bit grayscale PNGs are Pillow mode I, whose grayscale conversion clips values above 255 (so most
/// such images hash as nearly white); 16-bit RGB PNGs keep the high byte; CMYK JPEGs are converted to RGB as
/// Pillow does; grayscale images stay grayscale. EXIF orientation is ignored unless
/// <see cref="DecodeOptions.AutoOrient"/> is set.
/// </remarks>
public sealed class ImageHasher
{
    /// <summary>Fast mode decodes JPEGs to at least this size (Pillow draft target of the reference).</summary>
    public const int FastMinimumSize = 256;

    /// <summary>Hashes one encoded image. Throws <see cref="ImageProcessingException"/> for images that cannot be hashed.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Instance API: callers hold one hasher.")]
    public ImageHashResult Hash(ReadOnlyMemory<byte> encoded, HashRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        if (request.HashSize is not (8 or 16))
        {
            throw new ArgumentException("HashSize must be 8 or 16.", nameof(request));
        }
        var hashes = new Dictionary<HashAlgorithmKind, string>();
        if (request.Algorithms.Contains(HashAlgorithmKind.Sha256))
        {
            hashes[HashAlgorithmKind.Sha256] = Convert.ToHexString(SHA256.HashData(encoded.Span)).ToLowerInvariant();
        }
        int minW = FastMinimumSize, minH = FastMinimumSize;
        if (request.Seed is { } so)
        {
            if (so.ResizeWidth <= 0 || so.ResizeHeight <= 0)
            {
                throw new ArgumentException("Seed resize size must be positive.", nameof(request));
            }
            minW = Math.Max(minW, so.ResizeWidth);
            minH = Math.Max(minH, so.ResizeHeight);
        }
        using ImageDecoder.DecodeSession session = ImageDecoder.Open(encoded, request.Decode, minW, minH, cancellationToken);
        SeedHashes? seed;
        bool oriented = request.Decode.AutoOrient && session.Orientation != 1;
        if (oriented || !RowStreaming || !session.CanStreamRows || !TryHashRows(session, request, hashes, out seed, cancellationToken))
        {
            seed = HashDecoded(session, request, hashes, cancellationToken);
        }
        return new ImageHashResult
        {
            Width = session.StoredWidth,
            Height = session.StoredHeight,
            Hashes = hashes,
            Seed = seed,
            Warnings = session.Warnings.ToArray(),
        };
    }

    /// <summary>The hashes from the fully decoded image (every format; EXIF orientation as views).</summary>
    private static SeedHashes? HashDecoded(ImageDecoder.DecodeSession session, HashRequest request, Dictionary<HashAlgorithmKind, string> hashes, CancellationToken cancellationToken)
    {
        using DecodedImage decoded = session.DecodeAll();
        var view = new ImageView(decoded.Pixels);
        if (request.Decode.AutoOrient)
        {
            view = view.Oriented(decoded.Orientation);
        }
        ChannelRead gray = GrayRead(decoded.Pixels.Layout);
        int n = request.HashSize;
        foreach (HashAlgorithmKind alg in request.Algorithms.Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            PerceptualHash? h = alg switch
            {
                HashAlgorithmKind.PHash => HashFunctions.PHash(view, gray, n),
                HashAlgorithmKind.DHash => HashFunctions.DHash(view, gray, n),
                HashAlgorithmKind.AHash => HashFunctions.AHash(view, gray, n),
                HashAlgorithmKind.WHash => HashFunctions.WHash(view, gray, n),
                _ => null,
            };
            if (h is not null)
            {
                hashes[alg] = h.ToString();
            }
        }
        SeedHashes? seed = null;
        if (request.Seed is { } seedOptions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            seed = SeedPipeline(view, seedOptions);
        }
        return seed;
    }

    /// <summary>Row-by-row decoding of JPEGs (on by default; benchmarks and tests switch it off to compare with the full decode).</summary>
    internal static bool RowStreaming { get; set; } = true;

    /// <summary>Bytes of decoded rows handed to the resizers at a time (small enough to stay in the L2 cache).</summary>
    private const int BandBytes = 128 * 1024;

    /// <summary>
    /// The hashes from a top-to-bottom row decode (JPEG, upright view): every resize the request needs is fed each band
    /// of rows while it is in cache, and no full-size pixel buffer exists. Same integer arithmetic as the full
    /// decode, so the same values. False (and nothing added to <paramref name="hashes"/>) when the decoder cannot
    /// stream or stops early: the caller then decodes the whole image, which reports any error as before.
    /// </summary>
    private static bool TryHashRows(ImageDecoder.DecodeSession session, HashRequest request, Dictionary<HashAlgorithmKind, string> hashes, out SeedHashes? seed, CancellationToken cancellationToken)
    {
        seed = null;
        int n = request.HashSize;
        int w = session.Width, h = session.Height;
        bool grayRows = session.Layout == PixelLayout.Gray8;
        ChannelRead gray = grayRows ? ChannelRead.Gray : ChannelRead.Luma;
        var algorithms = new List<HashAlgorithmKind>(4);
        foreach (HashAlgorithmKind alg in request.Algorithms)
        {
            if (alg is HashAlgorithmKind.PHash or HashAlgorithmKind.DHash or HashAlgorithmKind.AHash or HashAlgorithmKind.WHash && !algorithms.Contains(alg))
            {
                algorithms.Add(alg);
            }
        }
        var targets = new List<RowResizer>(algorithms.Count + 1);
        RowResizer? seedTarget = null;
        byte[]? band = null;
        byte[]? luma = null;
        try
        {
            foreach (HashAlgorithmKind alg in algorithms)
            {
                (int rw, int rh) = HashFunctions.ResizeSize(alg, n, w, h);
                targets.Add(new RowResizer(w, h, gray, rw, rh, ResampleFilter.Lanczos));
            }
            if (request.Seed is { } so)
            {
                // As SeedResize for a JPEG (mode L or RGB): same size = a copy of L; L = BICUBIC on L; RGB = BICUBIC on RGB, then L.
                bool sameSize = w == so.ResizeWidth && h == so.ResizeHeight;
                ChannelRead read = sameSize || grayRows ? gray : ChannelRead.Rgba;
                seedTarget = new RowResizer(w, h, read, so.ResizeWidth, so.ResizeHeight, ResampleFilter.Bicubic);
                targets.Add(seedTarget);
            }
            if (!session.StartRows())
            {
                return false;
            }
            int rowBytes = w * (grayRows ? 1 : 4);
            int bandRows = Math.Clamp(BandBytes / rowBytes, 1, h);
            band = System.Buffers.ArrayPool<byte>.Shared.Rent((bandRows * rowBytes) + RowResizer.RowPadding);
            if (!grayRows)
            {
                luma = System.Buffers.ArrayPool<byte>.Shared.Rent(w + RowResizer.RowPadding);
            }
            for (int y0 = 0; y0 < h; y0 += bandRows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(bandRows, h - y0);
                ReadOnlySpan<byte> rows = session.ReadRows(band, count);
                if (rows.IsEmpty)
                {
                    return false;
                }
                for (int r = 0; r < count; r++)
                {
                    int y = y0 + r;
                    ReadOnlySpan<byte> row = rows.Slice(r * rowBytes, rowBytes + RowResizer.RowPadding);
                    bool lumaDone = false;
                    foreach (RowResizer t in targets)
                    {
                        if (!t.Wants(y))
                        {
                            continue;
                        }
                        if (t.Read == ChannelRead.Luma)
                        {
                            if (!lumaDone)
                            {
                                ColorConvert.LumaBytes(row[..rowBytes], luma.AsSpan(0, w));
                                lumaDone = true;
                            }
                            t.AddRow(y, luma.AsSpan(0, w + RowResizer.RowPadding));
                        }
                        else
                        {
                            t.AddRow(y, row);
                        }
                    }
                }
            }
            var results = new List<KeyValuePair<HashAlgorithmKind, string>>(algorithms.Count);
            for (int i = 0; i < algorithms.Count; i++)
            {
                using PixelImage p = targets[i].Finish();
                results.Add(new(algorithms[i], HashFunctions.OfResized(algorithms[i], p.Bytes, n, p.Width).ToString()));
            }
            if (seedTarget is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // L of the resized image (for an RGB source, RowResizer converts the resized RGB to L).
                using PixelImage resized = seedTarget.Finish();
                seed = SeedHashesOf(resized, request.Seed!);
            }
            foreach (var kv in results)
            {
                hashes[kv.Key] = kv.Value;
            }
            return true;
        }
        finally
        {
            foreach (RowResizer t in targets)
            {
                t.Dispose();
            }
            if (band is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(band);
            }
            if (luma is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(luma);
            }
        }
    }

    /// <summary>Hashes a local file (reads it whole: images are decoded from memory).</summary>
    public ImageHashResult HashFile(string path, HashRequest request, CancellationToken cancellationToken = default)
        => Hash(File.ReadAllBytes(path), request, cancellationToken);

    internal static ChannelRead GrayRead(PixelLayout layout) => layout switch
    {
        PixelLayout.Gray8 => ChannelRead.Gray,
        PixelLayout.Int32 => ChannelRead.ClipToByte,
        _ => ChannelRead.Luma,
    };

    /// <summary>
    /// The original indexer: small = img.resize((W, H)) with Pillow's default filter for the mode, then
    /// convert('L'); phash of small, of its mirror, of its flip, then of each permutation.
    /// </summary>
    private static SeedHashes SeedPipeline(in ImageView view, SeedOptions options)
    {
        using PixelImage small = SeedResize(view, options.ResizeWidth, options.ResizeHeight);
        return SeedHashesOf(small, options);
    }

    /// <summary>The seed hashes of the resized grayscale image <c>small</c>.</summary>
    internal static SeedHashes SeedHashesOf(PixelImage small, SeedOptions options)
    {
        var sv = new ImageView(small);
        const int n = 8;
        using PixelImage resized = Resampler.Resize(sv, ChannelRead.Gray, 4 * n, 4 * n, ResampleFilter.Lanczos, PillowMode.L);
        var rv = new ImageView(resized);
        string original = HashFunctions.PHashOfResized(resized.Bytes, n).ToString();
        // The flips' phash resizes the mirrored image; when the weights mirror each other exactly (checked), that is
        // the mirror of the resize already made (already 4n x 4n, so PHash only copies it), which saves two resizes.
        string hflip = HashFunctions.PHash(ResampleCoefficients.Get(small.Width, 4 * n, ResampleFilter.Lanczos).IsMirrorSymmetric ? rv.Mirror() : sv.Mirror(), ChannelRead.Gray, n).ToString();
        string vflip = HashFunctions.PHash(ResampleCoefficients.Get(small.Height, 4 * n, ResampleFilter.Lanczos).IsMirrorSymmetric ? rv.Flip() : sv.Flip(), ChannelRead.Gray, n).ToString();
        var perms = new List<KeyValuePair<string, string>>(options.Permutations.Count);
        foreach (Permutation p in options.Permutations)
        {
            using PixelImage varied = p.Apply(small);
            perms.Add(new(p.Name, HashFunctions.PHash(new ImageView(varied), ChannelRead.Gray, 8).ToString()));
        }
        return new SeedHashes(original, hflip, vflip, perms);
    }

    /// <summary>Pillow's img.resize((w, h)) (default filter for the mode) followed by convert('L').</summary>
    internal static PixelImage SeedResize(in ImageView view, int width, int height)
    {
        PixelImage src = view.Image;
        bool sameSize = view.Width == width && view.Height == height;
        if (src.Layout == PixelLayout.Int32)
        {
            return sameSize
                ? Resampler.Resize(view, ChannelRead.ClipToByte, width, height, ResampleFilter.Bicubic, PillowMode.L)
                : Resampler.ResizeInt32ToL(view, width, height, ResampleFilter.Bicubic);
        }
        ChannelRead gray = GrayRead(src.Layout);
        if (sameSize)
        {
            // Pillow copies an image resized to its own size; then convert('L').
            return Resampler.Resize(view, gray, width, height, ResampleFilter.Bicubic, PillowMode.L);
        }
        switch (src.Mode)
        {
            case PillowMode.P:
            case PillowMode.One:
                return Resampler.Resize(view, gray, width, height, ResampleFilter.Nearest, PillowMode.L);
            case PillowMode.L:
            case PillowMode.I:
                return Resampler.Resize(view, gray, width, height, ResampleFilter.Bicubic, PillowMode.L);
            case PillowMode.RGBA:
            case PillowMode.LA:
            {
                using PixelImage rgba = Resampler.Resize(view, ChannelRead.RgbaPremultiplied, width, height, ResampleFilter.Bicubic, src.Mode);
                var l = new PixelImage(width, height, PixelLayout.Gray8, PillowMode.L);
                ColorConvert.UnpremultipliedLuma(rgba.Bytes, l.Bytes);
                return l;
            }
            default:
            {
                if (src.Layout == PixelLayout.Gray8)
                {
                    return Resampler.Resize(view, ChannelRead.Gray, width, height, ResampleFilter.Bicubic, PillowMode.L);
                }
                using PixelImage rgb = Resampler.Resize(view, ChannelRead.Rgba, width, height, ResampleFilter.Bicubic, src.Mode);
                var l = new PixelImage(width, height, PixelLayout.Gray8, PillowMode.L);
                ColorConvert.LumaOf(rgb.Bytes, l.Bytes);
                return l;
            }
        }
    }

    internal static string Describe(ImageHashResult r)
        => string.Create(CultureInfo.InvariantCulture, $"{r.Width}x{r.Height}");
}
