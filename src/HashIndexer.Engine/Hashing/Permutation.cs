// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using HashIndexer.Engine.Imaging;

namespace HashIndexer.Engine.Hashing;

/// <summary>
/// An advanced-mode variation of the resized grayscale seed image (ResizeWidth x ResizeHeight, mode L), whose
/// phash goes into the column <c>&lt;Name&gt;_hash</c>. Each kind is exactly one Pillow 9.4 operation, so the
/// values can be reproduced in Python (<c>small</c> is the seed image after resize and convert('L')):
/// <list type="table">
/// <item><term>rotate:A</term><description><c>small.rotate(A, resample=Image.BICUBIC)</c>: A degrees counter-clockwise about the centre, same size, black corners.</description></item>
/// <item><term>zoom:Z</term><description><c>small.resize(small.size, Image.BICUBIC, box=(x0, y0, x0 + w/Z, y0 + h/Z))</c> with <c>x0 = (w - w/Z)/2</c>, <c>y0 = (h - h/Z)/2</c>: the centre 1/Z of the image scaled back to full size (Z &gt; 1 zooms in).</description></item>
/// <item><term>brightness:F</term><description><c>ImageEnhance.Brightness(small).enhance(F)</c>.</description></item>
/// <item><term>contrast:F</term><description><c>ImageEnhance.Contrast(small).enhance(F)</c>.</description></item>
/// </list>
/// </summary>
/// <param name="Name">Column stem: the hash goes in <c>&lt;Name&gt;_hash</c>.</param>
/// <param name="Kind">rotate, zoom, brightness or contrast.</param>
/// <param name="Amount">Degrees for rotate, a factor for the others.</param>
public sealed record Permutation(string Name, string Kind, double Amount)
{
    public const string Rotate = "rotate";
    public const string Zoom = "zoom";
    public const string Brightness = "brightness";
    public const string Contrast = "contrast";

    /// <summary>The default advanced list, as a config string.</summary>
    public const string DefaultSpec = "rotate:+5, rotate:-5, zoom:1.1, brightness:1.2, brightness:0.8, contrast:1.2, contrast:0.8";

    /// <summary>
    /// rot_p5 (rotate +5 degrees), rot_m5 (-5 degrees), zoom_110 (centre 1/1.1 scaled up), bright_up (x1.2),
    /// bright_down (x0.8), contrast_up (x1.2), contrast_down (x0.8).
    /// </summary>
    public static IReadOnlyList<Permutation> Defaults { get; } = ParseList(DefaultSpec);

    /// <summary>The spec string this permutation parses from (e.g. <c>rotate:+5</c>).</summary>
    public string Spec => string.Create(CultureInfo.InvariantCulture,
        $"{Kind}:{(Kind == Rotate && Amount > 0 ? "+" : string.Empty)}{Amount.ToString("R", CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Parses one permutation: <c>kind:amount</c> (name derived: rotate:+5 → rot_p5, rotate:-2.5 → rot_m2_5,
    /// zoom:1.1 → zoom_110, brightness:1.2 → bright_up, brightness:0.8 → bright_down, contrast:… → contrast_up/down)
    /// or <c>name=kind:amount</c> to choose the column name. Numbers use '.' as decimal separator.
    /// </summary>
    /// <exception cref="FormatException">Unknown kind, missing or invalid amount, or an invalid name.</exception>
    public static Permutation Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string s = spec.Trim();
        string? name = null;
        int eq = s.IndexOf('=', StringComparison.Ordinal);
        if (eq >= 0)
        {
            name = s[..eq].Trim();
            s = s[(eq + 1)..].Trim();
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new FormatException($"Permutation '{spec}': the name before '=' must be letters, digits or '_'.");
            }
        }
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new FormatException($"Permutation '{spec}': expected kind:amount, e.g. rotate:+5, zoom:1.1, brightness:1.2, contrast:0.8.");
        }
        string kind = s[..colon].Trim().ToLowerInvariant();
        string amountText = s[(colon + 1)..].Trim();
        if (!double.TryParse(amountText, NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) || !double.IsFinite(amount))
        {
            throw new FormatException($"Permutation '{spec}': '{amountText}' is not a number.");
        }
        switch (kind)
        {
            case "rotate" or "rot":
                kind = Rotate;
                if (Math.Abs(amount) > 360)
                {
                    throw new FormatException($"Permutation '{spec}': rotation must be between -360 and 360 degrees.");
                }
                break;
            case "zoom":
                if (amount < 1 || amount > 10)
                {
                    throw new FormatException($"Permutation '{spec}': zoom must be between 1 and 10 (1.1 = centre 91%).");
                }
                break;
            case "brightness" or "bright":
                kind = Brightness;
                if (amount < 0 || amount > 10)
                {
                    throw new FormatException($"Permutation '{spec}': brightness factor must be between 0 and 10.");
                }
                break;
            case "contrast":
                if (amount < 0 || amount > 10)
                {
                    throw new FormatException($"Permutation '{spec}': contrast factor must be between 0 and 10.");
                }
                break;
            default:
                throw new FormatException($"Permutation '{spec}': unknown kind '{kind}' (rotate, zoom, brightness, contrast).");
        }
        return new Permutation(name ?? DefaultName(kind, amount), kind, amount);
    }

    /// <summary>Parses a list separated by commas, semicolons or new lines. Names must be unique.</summary>
    public static IReadOnlyList<Permutation> ParseList(string specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var list = new List<Permutation>();
        foreach (string part in specs.Split([',', ';', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Permutation p = Parse(part);
            if (list.Any(q => string.Equals(q.Name, p.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new FormatException($"Permutation '{part}': the column name '{p.Name}' is used twice; name it explicitly, e.g. {p.Name}2={p.Spec}.");
            }
            list.Add(p);
        }
        return list;
    }

    private static string DefaultName(string kind, double amount)
    {
        string Num(double v) => v.ToString("0.###", CultureInfo.InvariantCulture).Replace('.', '_');
        return kind switch
        {
            Rotate => (amount < 0 ? "rot_m" : "rot_p") + Num(Math.Abs(amount)),
            Zoom => "zoom_" + Math.Round(amount * 100).ToString(CultureInfo.InvariantCulture),
            Brightness => amount >= 1 ? "bright_up" : "bright_down",
            _ => amount >= 1 ? "contrast_up" : "contrast_down",
        };
    }

    /// <summary>Applies the permutation to a Gray8 image; a new image of the same size.</summary>
    internal PixelImage Apply(PixelImage small) => Kind switch
    {
        Rotate => PillowOps.Rotate(small, Amount),
        Zoom => PillowOps.Zoom(small, Amount),
        Brightness => PillowOps.Blend(small, 0, (float)Amount),
        Contrast => PillowOps.Blend(small, PillowOps.ContrastMean(small), (float)Amount),
        _ => throw new InvalidOperationException("Unknown permutation kind " + Kind),
    };
}
