// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Runtime.InteropServices;

namespace HashIndexer.Engine.Imaging;

/// <summary>
/// The machine's own libjpeg-turbo (its TurboJPEG API, libturbojpeg), used for JPEG decoding when it is installed.
/// </summary>
/// <remarks>
/// Why: SkiaSharp's libjpeg-turbo is built without its SIMD code (no jsimd_* symbols in libSkiaSharp), so a
/// full-size decode costs about twice what it costs with the SIMD build that Linux distributions and Homebrew ship
/// (corpus JPEGs: 4.3 ms vs 2.1 ms each on one core; see benchmarks/RESULTS.md). Decoding is most of the work of an
/// exact hash. libjpeg-turbo's SIMD routines are bit-exact with its C ones, and both decoders run the same
/// algorithms (accurate integer IDCT, fancy upsampling, the same YCbCr tables), so the pixels are the same bytes:
/// the golden tests run every corpus image through both.
/// Only YCbCr and grayscale JPEGs go this way (CMYK/YCCK/RGB-coded ones stay with SkiaSharp), and any error or
/// warning from libjpeg (corrupt data, a truncated file, too many progressive scans) sends the image back to
/// SkiaSharp, so errors and their messages are the same whichever decoder is installed.
/// HASHINDEXER_TURBOJPEG=0 switches it off; HASHINDEXER_TURBOJPEG=&lt;path&gt; names the library file.
/// </remarks>
internal sealed unsafe class TurboJpeg
{
    /// <summary>Environment variable: 0/off/false to never use libturbojpeg, or the path of the library to load.</summary>
    public const string EnvironmentVariable = "HASHINDEXER_TURBOJPEG";

    // TurboJPEG 2.x constants (turbojpeg.h).
    private const int PixelFormatRgbx = 2;
    private const int PixelFormatGray = 6;
    private const int ColorspaceYCbCr = 1;
    private const int ColorspaceGray = 2;
    private const int FlagAccurateDct = 4096;
    private const int FlagStopOnWarning = 8192;
    private const int FlagLimitScans = 32768;

    private static readonly Lazy<TurboJpeg?> s_instance = new(() => Load(Environment.GetEnvironmentVariable(EnvironmentVariable)));

    private readonly delegate* unmanaged[Cdecl]<nint> _initDecompress;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, CULong, int*, int*, int*, int*, int> _decompressHeader3;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, CULong, byte*, int, int, int, int, int, int> _decompress2;

    // One decompressor per thread: a TurboJPEG handle must not be used by two threads at once, and creating one per
    // image costs an allocation of libjpeg's state each time.
    [ThreadStatic]
    private static nint t_handle;

    private TurboJpeg(nint library, string path)
    {
        _initDecompress = (delegate* unmanaged[Cdecl]<nint>)NativeLibrary.GetExport(library, "tjInitDecompress");
        _decompressHeader3 = (delegate* unmanaged[Cdecl]<nint, byte*, CULong, int*, int*, int*, int*, int>)NativeLibrary.GetExport(library, "tjDecompressHeader3");
        _decompress2 = (delegate* unmanaged[Cdecl]<nint, byte*, CULong, byte*, int, int, int, int, int, int>)NativeLibrary.GetExport(library, "tjDecompress2");
        LibraryPath = path;
    }

    /// <summary>The loaded library, or null when none is installed (or it is switched off).</summary>
    public static TurboJpeg? Instance => s_instance.Value;

    /// <summary>What was loaded (a name the loader resolved, or the path given).</summary>
    public string LibraryPath { get; }

    /// <summary>
    /// Loads libturbojpeg: <paramref name="setting"/> null or empty = the usual names for this OS; "0", "off" or
    /// "false" = none; anything else = that file. Null when it cannot be loaded or lacks the TurboJPEG 2 functions.
    /// </summary>
    internal static TurboJpeg? Load(string? setting)
    {
        if (setting is "0" || string.Equals(setting, "off", StringComparison.OrdinalIgnoreCase) || string.Equals(setting, "false", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        IEnumerable<string> candidates = string.IsNullOrEmpty(setting) ? CandidateNames() : [setting];
        foreach (string name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint library))
            {
                continue;
            }
            try
            {
                return new TurboJpeg(library, name);
            }
            catch (EntryPointNotFoundException)
            {
                // An old TurboJPEG 1.x: keep looking, else SkiaSharp decodes.
                NativeLibrary.Free(library);
            }
        }
        return null;
    }

    private static IEnumerable<string> CandidateNames()
    {
        if (OperatingSystem.IsWindows())
        {
            // libjpeg-turbo's Windows installer and vcpkg name it turbojpeg.dll; found where Windows finds DLLs, else
            // name it with HASHINDEXER_TURBOJPEG=<full path>.
            return ["turbojpeg.dll"];
        }
        if (OperatingSystem.IsMacOS())
        {
            // Homebrew (jpeg-turbo) on Apple silicon and on Intel.
            return ["libturbojpeg.0.dylib", "/opt/homebrew/opt/jpeg-turbo/lib/libturbojpeg.0.dylib", "/usr/local/opt/jpeg-turbo/lib/libturbojpeg.0.dylib"];
        }
        // Debian/Ubuntu libturbojpeg0, Fedora/RHEL turbojpeg, Alpine libjpeg-turbo.
        return ["libturbojpeg.so.0", "libturbojpeg.so"];
    }

    /// <summary>
    /// Decodes a JPEG into <paramref name="destination"/> (rows of <paramref name="width"/> pixels, no padding):
    /// RGBA (alpha bytes undefined) when <paramref name="gray"/> is false, one byte a pixel when true. The size may be
    /// the full size or a DCT-scaled one (ceil(size / 2, 4 or 8)). False, with nothing promised about the destination,
    /// when the image is not a YCbCr/grayscale JPEG of that size or libjpeg reported any error or warning.
    /// </summary>
    public bool TryDecode(ReadOnlySpan<byte> jpeg, Span<byte> destination, int width, int height, bool gray)
    {
        int bytesPerPixel = gray ? 1 : 4;
        if ((long)width * height * bytesPerPixel > destination.Length)
        {
            throw new ArgumentException("Destination too small.", nameof(destination));
        }
        nint handle = Handle();
        if (handle == 0)
        {
            return false;
        }
        fixed (byte* src = jpeg)
        fixed (byte* dst = destination)
        {
            var size = new CULong((nuint)jpeg.Length);
            int w, h, subsampling, colorspace;
            if (_decompressHeader3(handle, src, size, &w, &h, &subsampling, &colorspace) != 0)
            {
                return false;
            }
            if (colorspace != (gray ? ColorspaceGray : ColorspaceYCbCr))
            {
                return false;
            }
            int flags = FlagAccurateDct | FlagStopOnWarning | FlagLimitScans;
            return _decompress2(handle, src, size, dst, width, width * bytesPerPixel, height, gray ? PixelFormatGray : PixelFormatRgbx, flags) == 0;
        }
    }

    private nint Handle()
    {
        if (t_handle == 0)
        {
            // Never destroyed: a handle lives as long as its (thread-pool) thread; it is a few KB of libjpeg state.
            t_handle = _initDecompress();
        }
        return t_handle;
    }
}
