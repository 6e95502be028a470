// HashIndexer: perceptual-hash indexing for PowerShell. MIT License.
using System.Globalization;
using HashIndexer.Engine.Hashing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HashIndexer.Engine.Configuration;

/// <summary>A loaded configuration and the unknown keys found in it (the caller writes them as warnings).</summary>
public sealed record ConfigLoadResult(HashIndexerConfig Config, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads main_config.yaml: the original tool's keys unchanged, plus HashIndexer's own.
/// Every wrong value is one <see cref="ConfigurationException"/> naming key, value and what is allowed;
/// unknown keys are warnings, so a config shared with the original tool still loads.
/// </summary>
public static class ConfigLoader
{
    private static readonly string[] s_modes = ["basic", "advanced"];
    private static readonly string[] s_targets = ["local_csv", "local_parquet"];
    private static readonly string[] s_decodes = ["exact", "fast"];
    private static readonly string[] s_extras = ["etag", "size", "last_modified", "sha256", "width", "height"];

    /// <summary>Loads and validates a config file. Throws <see cref="ConfigurationException"/> (or FileNotFoundException).</summary>
    public static ConfigLoadResult Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Configuration file not found: {full}", full);
        }
        return Parse(File.ReadAllText(full), Path.GetDirectoryName(full)!, full);
    }

    /// <summary>Parses YAML text; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static ConfigLoadResult Parse(string yaml, string baseDirectory, string? configPath = null)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"{configPath ?? "configuration"}: not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", ex);
        }
        var warnings = new List<string>();
        YamlMappingNode rootNode = stream.Documents.Count == 0 ? new YamlMappingNode()
            : stream.Documents[0].RootNode as YamlMappingNode
              ?? throw new ConfigurationException($"{configPath ?? "configuration"}: the top level must be a mapping of sections (aws, s3, hashing, output, state, ...)");
        var root = new Section(rootNode, "", warnings);

        var awsS = root.Child("aws");
        var aws = new AwsSettings
        {
            Region = awsS.String("region"),
            Profile = awsS.String("profile"),
            AssumeRoleArn = awsS.String("assume_role_arn"),
            ExternalId = awsS.String("external_id"),
        };
        awsS.WarnUnknown();

        var s3S = root.Child("s3");
        int? maxJobs = s3S.Int("max_jobs_to_process", 0, int.MaxValue);
        var s3 = new S3Settings
        {
            Bucket = s3S.String("bucket"),
            RootPrefix = s3S.String("root_prefix") ?? "",
            TimeoutSeconds = s3S.Int("timeout_seconds", 1, 86_400) ?? 300,
            MaxJobsToProcess = maxJobs is 0 ? null : maxJobs,
            EndpointUrl = s3S.String("endpoint_url"),
        };
        if (s3.EndpointUrl is not null && !Uri.TryCreate(s3.EndpointUrl, UriKind.Absolute, out _))
        {
            throw new ConfigurationException("s3.endpoint_url", s3.EndpointUrl, "an absolute URL such as http://127.0.0.1:9000");
        }
        s3S.WarnUnknown();

        var srcS = root.Child("source");
        var source = new SourceSettings { LocalPath = srcS.Path("local_path", baseDirectory) };
        srcS.WarnUnknown();

        var hS = root.Child("hashing");
        var resize = hS.Child("resize");
        var mode = hS.Choice("mode", s_modes) is "advanced" ? HashingMode.Advanced : HashingMode.Basic;
        var perms = hS.StringList("permutations") ?? [];
        var hashing = new HashingSettings
        {
            Mode = mode,
            ResizeWidth = resize.Int("width", 8, 4096) ?? 256,
            ResizeHeight = resize.Int("height", 8, 4096) ?? 256,
            Workers = hS.Int("workers", 1, 256) ?? 16,
            Decode = hS.Choice("decode", s_decodes) is "fast" ? DecodeMode.Fast : DecodeMode.Exact,
            AutoOrient = hS.Bool("auto_orient") ?? false,
            PermutationDefinitions = mode == HashingMode.Advanced ? ParsePermutations(perms) : [],
            ImageExtensions = Extensions(hS.StringList("image_extensions")) ?? Sources.ImageExtensions.Default,
        };
        resize.WarnUnknown();
        if (mode == HashingMode.Basic && perms.Count > 0)
        {
            warnings.Add("hashing.permutations is ignored: hashing.mode is basic (permutations are for advanced mode).");
        }
        hS.WarnUnknown();

        var oS = root.Child("output");
        var output = new OutputSettings
        {
            Target = Target(oS.Choice("target", s_targets)),
            Path = oS.Path("path", baseDirectory) ?? throw Missing("output.path", "the index file to write, without or with its extension (e.g. ./output/index)"),
            ExtraColumns = Extras(oS.StringList("extra_columns")),
        };
        oS.WarnUnknown();

        var stS = root.Child("state");
        var state = new StateSettings
        {
            Path = stS.Path("path", baseDirectory) ?? throw Missing("state.path", "the state file that makes runs incremental (e.g. ./output/state.json)"),
            CheckpointImages = stS.Int("checkpoint_images", 0, int.MaxValue) ?? 5000,
            CheckpointSeconds = stS.Int("checkpoint_seconds", 0, int.MaxValue) ?? 300,
        };
        stS.WarnUnknown();

        var lS = root.Child("links");
        var lo = lS.Child("output");
        var links = new LinksSettings
        {
            Enabled = lS.Bool("enabled") ?? false,
            ExpiryDays = lS.Number("expiry_days") ?? 7,
            Workers = lS.Int("workers", 1, 256) ?? 16,
            OutputTarget = Target(lo.Choice("target", s_targets)),
            OutputPath = lo.Path("path", baseDirectory),
            StatePath = lS.Path("state_path", baseDirectory),
            RefreshMarginDays = lS.Number("refresh_margin_days") ?? 1,
        };
        lo.WarnUnknown();
        lS.WarnUnknown();
        ValidateLinks(links);

        root.WarnUnknown();

        if (source.LocalPath is null && string.IsNullOrWhiteSpace(s3.Bucket))
        {
            throw Missing("s3.bucket", "the bucket to index (or set source.local_path to index a local folder instead)");
        }
        var config = new HashIndexerConfig
        {
            ConfigPath = configPath,
            Aws = aws,
            S3 = s3,
            Source = source,
            Hashing = hashing,
            Output = output,
            State = state,
            Links = links,
        };
        return new ConfigLoadResult(config, warnings);
    }

    private static ConfigurationException Missing(string key, string what)
        => new($"{key} is required: {what}.");

    private static OutputTarget Target(string? s) => s is "local_parquet" ? OutputTarget.LocalParquet : OutputTarget.LocalCsv;

    private static List<string>? Extensions(IReadOnlyList<string>? list)
    {
        if (list is null)
        {
            return null;
        }
        var result = new List<string>();
        foreach (string raw in list)
        {
            string e = raw.Trim().ToLowerInvariant();
            if (e.Length == 0 || e.Contains('/') || e.Contains('\\') || e == ".")
            {
                throw new ConfigurationException("hashing.image_extensions", raw, "a file extension such as .jpg");
            }
            e = e.StartsWith('.') ? e : "." + e;
            if (!result.Contains(e))
            {
                result.Add(e);
            }
        }
        if (result.Count == 0)
        {
            throw new ConfigurationException("hashing.image_extensions", "[]", "an empty list (no file would ever be indexed)");
        }
        return result;
    }

    private static List<ExtraColumn> Extras(IReadOnlyList<string>? list)
    {
        var result = new List<ExtraColumn>();
        foreach (string raw in list ?? [])
        {
            string s = raw.Trim().ToLowerInvariant();
            ExtraColumn c = s switch
            {
                "etag" => ExtraColumn.ETag,
                "size" => ExtraColumn.Size,
                "last_modified" => ExtraColumn.LastModified,
                "sha256" => ExtraColumn.Sha256,
                "width" => ExtraColumn.Width,
                "height" => ExtraColumn.Height,
                _ => throw new ConfigurationException("output.extra_columns", raw, "one of " + string.Join(", ", s_extras)),
            };
            if (!result.Contains(c))
            {
                result.Add(c);
            }
        }
        // Column order is fixed (the order of s_extras), whatever order the file lists them in: stable files.
        result.Sort();
        return result;
    }

    /// <summary>
    /// hashing.permutations: specs such as <c>rotate:+5</c> or <c>name=kind:amount</c> (see Permutation.Parse);
    /// advanced mode without a list uses the documented defaults.
    /// </summary>
    private static IReadOnlyList<Hashing.Permutation> ParsePermutations(IReadOnlyList<string> specs)
    {
        if (specs.Count == 0)
        {
            return Hashing.Permutation.Defaults;
        }
        IReadOnlyList<Hashing.Permutation> parsed;
        try
        {
            parsed = Hashing.Permutation.ParseList(string.Join(",", specs));
        }
        catch (FormatException ex)
        {
            throw new ConfigurationException("hashing.permutations", string.Join(", ", specs), "a list of permutations: " + ex.Message);
        }
        foreach (Hashing.Permutation p in parsed)
        {
            if (p.Name is "original" or "h_flip" or "v_flip")
            {
                throw new ConfigurationException("hashing.permutations", p.Name, "a new column name: original, h_flip and v_flip are always written");
            }
        }
        return parsed;
    }

    private static void ValidateLinks(LinksSettings links)
    {
        if (links.ExpiryDays <= 0 || links.ExpiryDays > LinksSettings.MaxExpiryDays)
        {
            throw new ConfigurationException("links.expiry_days", links.ExpiryDays.ToString(CultureInfo.InvariantCulture),
                "between 0 and 7: S3 presigned URLs (SigV4) are valid for at most 7 days (604800 seconds)");
        }
        if (links.RefreshMarginDays < 0 || links.RefreshMarginDays >= links.ExpiryDays)
        {
            throw new ConfigurationException("links.refresh_margin_days", links.RefreshMarginDays.ToString(CultureInfo.InvariantCulture),
                $"0 or more and less than links.expiry_days ({links.ExpiryDays.ToString(CultureInfo.InvariantCulture)})");
        }
        if (links.Enabled && links.OutputPath is null)
        {
            throw Missing("links.output.path", "links.enabled is true, so the links file needs a path");
        }
        if (links.Enabled && links.StatePath is null)
        {
            throw Missing("links.state_path", "links.enabled is true, so the links state needs a path");
        }
    }

    /// <summary>One mapping of the file, with the keys read from it so the rest can be reported.</summary>
    private sealed class Section
    {
        private static readonly YamlMappingNode s_empty = new();
        private readonly YamlMappingNode _node;
        private readonly string _path;
        private readonly List<string> _warnings;
        private readonly HashSet<string> _known = new(StringComparer.Ordinal);

        public Section(YamlMappingNode node, string path, List<string> warnings)
        {
            _node = node;
            _path = path;
            _warnings = warnings;
        }

        private string Key(string name) => _path.Length == 0 ? name : _path + "." + name;

        private YamlNode? Get(string name)
        {
            _known.Add(name);
            return _node.Children.TryGetValue(new YamlScalarNode(name), out YamlNode? v) ? v : null;
        }

        public Section Child(string name)
        {
            YamlNode? n = Get(name);
            if (n is null || IsNull(n))
            {
                return new Section(s_empty, Key(name), _warnings);
            }
            return n is YamlMappingNode m ? new Section(m, Key(name), _warnings)
                : throw new ConfigurationException(Key(name), Describe(n), "a section: it must hold keys, indented under it");
        }

        public string? String(string name)
        {
            YamlNode? n = Get(name);
            if (n is null || IsNull(n))
            {
                return null;
            }
            return n is YamlScalarNode s ? s.Value ?? "" : throw new ConfigurationException(Key(name), Describe(n), "a single value");
        }

        public string? Path(string name, string baseDirectory)
        {
            string? s = String(name);
            return s is null ? null : ConfigPaths.Resolve(Key(name), s, baseDirectory);
        }

        public string? Choice(string name, string[] allowed)
        {
            string? s = String(name);
            if (s is null)
            {
                return null;
            }
            string v = s.Trim().ToLowerInvariant();
            return Array.IndexOf(allowed, v) >= 0 ? v
                : throw new ConfigurationException(Key(name), s, "one of " + string.Join(", ", allowed));
        }

        public int? Int(string name, int min, int max)
        {
            string? s = String(name);
            if (s is null)
            {
                return null;
            }
            if (!int.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            {
                throw new ConfigurationException(Key(name), s, $"a whole number from {min} to {max}");
            }
            return v >= min && v <= max ? v : throw new ConfigurationException(Key(name), s, $"a whole number from {min} to {max}");
        }

        public double? Number(string name)
        {
            string? s = String(name);
            if (s is null)
            {
                return null;
            }
            return double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
                : throw new ConfigurationException(Key(name), s, "a number");
        }

        /// <summary>YAML 1.1 booleans, as PyYAML (the original tool's parser) reads them.</summary>
        public bool? Bool(string name)
        {
            string? s = String(name);
            return s?.Trim().ToLowerInvariant() switch
            {
                null => null,
                "true" or "yes" or "on" or "y" => true,
                "false" or "no" or "off" or "n" => false,
                _ => throw new ConfigurationException(Key(name), s, "true or false"),
            };
        }

        /// <summary>A YAML list, or a single value, or a comma-separated string.</summary>
        public IReadOnlyList<string>? StringList(string name)
        {
            YamlNode? n = Get(name);
            if (n is null || IsNull(n))
            {
                return null;
            }
            if (n is YamlScalarNode s)
            {
                return (s.Value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
            if (n is YamlSequenceNode seq)
            {
                var list = new List<string>();
                foreach (YamlNode item in seq)
                {
                    list.Add(item is YamlScalarNode v ? (v.Value ?? "").Trim()
                        : throw new ConfigurationException(Key(name), Describe(item), "a list of single values"));
                }
                return list;
            }
            throw new ConfigurationException(Key(name), Describe(n), "a list, e.g. [a, b]");
        }

        /// <summary>Adds a warning for every key of this section nobody read (a typo, or a key of a newer version).</summary>
        public void WarnUnknown()
        {
            foreach (var (k, _) in _node.Children)
            {
                string name = k is YamlScalarNode s ? s.Value ?? "" : k.ToString();
                if (!_known.Contains(name))
                {
                    string? near = _known.FirstOrDefault(known => Distance(known, name) <= 2);
                    _warnings.Add($"Unknown key '{Key(name)}' in the configuration is ignored." + (near is null ? "" : $" Did you mean '{Key(near)}'?"));
                }
            }
        }

        private static bool IsNull(YamlNode n)
            => n is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

        private static string Describe(YamlNode n) => n switch
        {
            YamlMappingNode => "(a section)",
            YamlSequenceNode => "(a list)",
            _ => n.ToString(),
        };

        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }
            for (int j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }
            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }
            }
            return d[a.Length, b.Length];
        }
    }
}
