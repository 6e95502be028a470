using HashIndexer.Engine.Configuration;
using HashIndexer.Engine.Hashing;
using HashIndexer.Engine.Tests.Indexing;

namespace HashIndexer.Engine.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    // The original tool's main_config.yaml, as its README writes it (Windows paths in single quotes, doubled backslashes).
    private const string Original = """
        aws:
          region: eu-west-1
          profile: photos
          assume_role_arn: arn:aws:iam::123456789012:role/indexer
          external_id: abc-123
        s3:
          bucket: my-photo-bucket
          root_prefix: jobs/
          timeout_seconds: 120
          max_jobs_to_process: 0
        hashing:
          mode: basic
          resize:
            width: 256
            height: 256
          workers: 16
        output:
          target: local_csv
          path: ./output/index
        state:
          path: ./output/state.json
        links:
          enabled: true
          expiry_days: 7
          workers: 8
          output:
            target: local_parquet
            path: ./output/links
          state_path: ./output/links_state.json
          refresh_margin_days: 1
        """;

    [Fact]
    public void Original_config_loads_unchanged_without_warnings()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["main_config.yaml"], Original);
        var (c, warnings) = ConfigLoader.Load(dir["main_config.yaml"]);
        Assert.Empty(warnings);
        Assert.Equal("eu-west-1", c.Aws.Region);
        Assert.Equal("photos", c.Aws.Profile);
        Assert.Equal("arn:aws:iam::123456789012:role/indexer", c.Aws.AssumeRoleArn);
        Assert.Equal("abc-123", c.Aws.ExternalId);
        Assert.Equal("my-photo-bucket", c.S3.Bucket);
        Assert.Equal("jobs/", c.S3.RootPrefix);
        Assert.Equal(120, c.S3.TimeoutSeconds);
        Assert.Null(c.S3.MaxJobsToProcess); // 0 = all, as in the original
        Assert.Equal(HashingMode.Basic, c.Hashing.Mode);
        Assert.Equal((256, 256), (c.Hashing.ResizeWidth, c.Hashing.ResizeHeight));
        Assert.Equal(16, c.Hashing.Workers);
        Assert.Equal(DecodeMode.Exact, c.Hashing.Decode);
        Assert.False(c.Hashing.AutoOrient);
        Assert.Equal(OutputTarget.LocalCsv, c.Output.Target);
        Assert.Equal(Path.Combine(dir.Path, "output", "index"), c.Output.Path);
        Assert.Equal(Path.Combine(dir.Path, "output", "index.csv"), c.Output.FilePath);
        Assert.Equal(Path.Combine(dir.Path, "output", "state.json"), c.State.Path);
        Assert.True(c.Links.Enabled);
        Assert.Equal(7, c.Links.ExpiryDays);
        Assert.Equal(8, c.Links.Workers);
        Assert.Equal(OutputTarget.LocalParquet, c.Links.OutputTarget);
        Assert.Equal(Path.Combine(dir.Path, "output", "links.parquet"), c.Links.OutputFilePath);
        Assert.Equal(Path.Combine(dir.Path, "output", "links_state.json"), c.Links.StatePath);
        Assert.Equal(1, c.Links.RefreshMarginDays);
        Assert.False(c.UsesLocalSource);
    }

    [Fact]
    public void New_keys_load()
    {
        const string yaml = """
            s3: { bucket: b, endpoint_url: 'http://127.0.0.1:9000' }
            source: { local_path: ./photos }
            hashing:
              mode: advanced
              decode: fast
              auto_orient: yes
              permutations: ["rotate:+5", "big=zoom:1.2"]
              image_extensions: [JPG, .png, heic]
            output: { target: local_parquet, path: out/index.parquet, extra_columns: [sha256, etag, width] }
            state: { path: out/state.jsonl, checkpoint_images: 100, checkpoint_seconds: 30 }
            """;
        var (c, warnings) = ConfigLoader.Parse(yaml, "/base");
        Assert.Empty(warnings);
        Assert.Equal("http://127.0.0.1:9000", c.S3.EndpointUrl);
        Assert.Equal(Path.GetFullPath("/base/photos"), c.Source.LocalPath);
        Assert.True(c.UsesLocalSource);
        Assert.Equal(HashingMode.Advanced, c.Hashing.Mode);
        Assert.Equal(DecodeMode.Fast, c.Hashing.Decode);
        Assert.True(c.Hashing.AutoOrient);
        Assert.Equal(["rot_p5", "big"], c.Hashing.Permutations);
        Assert.Equal([".jpg", ".png", ".heic"], c.Hashing.ImageExtensions);
        Assert.Equal(Path.GetFullPath("/base/out/index.parquet"), c.Output.FilePath); // extension not doubled
        Assert.Equal([ExtraColumn.ETag, ExtraColumn.Sha256, ExtraColumn.Width], c.Output.ExtraColumns); // fixed column order
        Assert.Equal((100, 30), (c.State.CheckpointImages, c.State.CheckpointSeconds));
    }

    [Theory]
    [InlineData("hashing:\n  mode: fancy", "hashing.mode: 'fancy' is not one of basic, advanced")]
    [InlineData("output:\n  target: s3_csv", "output.target: 's3_csv' is not one of local_csv, local_parquet")]
    [InlineData("hashing:\n  decode: quick", "hashing.decode: 'quick' is not one of exact, fast")]
    [InlineData("hashing:\n  workers: lots", "hashing.workers: 'lots' is not a whole number from 1 to 256")]
    [InlineData("hashing:\n  auto_orient: maybe", "hashing.auto_orient: 'maybe' is not true or false")]
    [InlineData("output:\n  extra_columns: [etag, colour]", "output.extra_columns: 'colour' is not one of etag, size, last_modified, sha256, width, height")]
    [InlineData("s3:\n  max_jobs_to_process: -1", "s3.max_jobs_to_process: '-1' is not a whole number from 0 to 2147483647")]
    public void Wrong_value_names_key_value_and_allowed(string section, string expected)
    {
        string yaml = "source: {local_path: /tmp}\nstate: {path: s}\n"
            + (section.StartsWith("output", StringComparison.Ordinal) ? section + "\n  path: x" : "output: {path: x}\n" + section) + "\n";
        var ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse(yaml, "/base"));
        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public void Links_expiry_above_seven_days_names_the_key_and_the_SigV4_limit()
    {
        const string yaml = "s3: {bucket: b}\noutput: {path: x}\nstate: {path: s}\nlinks:\n  expiry_days: 8\n";
        var ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse(yaml, "/base"));
        Assert.Equal("links.expiry_days", ex.Key);
        Assert.Contains("'8'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SigV4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("7 days", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Links_defaults()
    {
        var (c, _) = ConfigLoader.Parse("s3: {bucket: b}\noutput: {path: x}\nstate: {path: s}\n", "/base");
        Assert.False(c.Links.Enabled);
        Assert.Equal(7, c.Links.ExpiryDays);
        Assert.Equal(1, c.Links.RefreshMarginDays);
    }

    [Fact]
    public void Missing_required_keys_are_clear()
    {
        var ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse("output: {path: x}\nstate: {path: s}\n", "/base"));
        Assert.StartsWith("s3.bucket is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("source.local_path", ex.Message, StringComparison.Ordinal);
        // A local source needs no bucket.
        ConfigLoader.Parse("source: {local_path: ./p}\noutput: {path: x}\nstate: {path: s}\n", "/base");
        ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse("s3: {bucket: b}\nstate: {path: s}\n", "/base"));
        Assert.StartsWith("output.path is required", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse("s3: {bucket: b}\noutput: {path: x}\n", "/base"));
        Assert.StartsWith("state.path is required", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_keys_are_warnings_naming_them()
    {
        const string yaml = """
            s3: { bucket: b, bukcet: c }
            output: { path: x }
            state: { path: s }
            hashing: { mode: basic, colour: red }
            extras: 1
            """;
        var (_, warnings) = ConfigLoader.Parse(yaml, "/base");
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("'s3.bukcet'", StringComparison.Ordinal) && w.Contains("Did you mean 's3.bucket'?", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'hashing.colour'", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("'extras'", StringComparison.Ordinal));
    }

    [Fact]
    public void Relative_paths_resolve_against_the_config_folder_not_the_current_directory()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["conf"]);
        File.WriteAllText(dir["conf/c.yaml"], "source: {local_path: ../photos}\noutput: {path: out/index}\nstate: {path: 'state\\\\s.json'}\n");
        var (c, _) = ConfigLoader.Load(dir["conf/c.yaml"]);
        Assert.Equal(Path.Combine(dir.Path, "photos"), c.Source.LocalPath);
        Assert.Equal(Path.Combine(dir.Path, "conf", "out", "index.csv"), c.Output.FilePath);
        Assert.Equal(Path.Combine(dir.Path, "conf", "state", "s.json"), c.State.Path);
    }

    [Theory]
    [InlineData(@"C:\\data\\index", @"C:\data\index")]          // the README's single-quoted form
    [InlineData(@"C:\data\index", @"C:\data\index")]            // already single
    [InlineData(@"\\\\server\\share\\x", @"\\server\share\x")] // UNC, doubled
    [InlineData(@"\\server\share\x", @"\\server\share\x")]      // UNC as meant: has single backslashes, left alone
    [InlineData(@"out\\index", @"out\index")]
    [InlineData("/data/index", "/data/index")]
    public void Doubled_backslashes_collapse_only_when_all_are_doubled(string value, string expected)
        => Assert.Equal(expected, ConfigPaths.CollapseDoubledBackslashes(value));

    [Fact]
    public void Windows_paths_in_yaml_single_quotes()
    {
        // 'C:\\data\\index' in YAML single quotes is literally C:\\data\\index.
        const string yaml = "source: {local_path: 'C:\\\\photos'}\noutput: {path: 'C:\\\\data\\\\index'}\nstate: {path: 'C:\\\\data\\\\state.json'}\n";
        if (OperatingSystem.IsWindows())
        {
            var (c, _) = ConfigLoader.Parse(yaml, @"D:\conf");
            Assert.Equal(@"C:\data\index.csv", c.Output.FilePath);
            Assert.Equal(@"C:\data\state.json", c.State.Path);
        }
        else
        {
            // A drive path means nothing on Linux/macOS: one clear error naming the key, not a file called 'C:\data\index.csv'.
            var ex = Assert.Throws<ConfigurationException>(() => ConfigLoader.Parse(yaml, "/conf"));
            Assert.Equal("source.local_path", ex.Key);
            Assert.Contains("Windows", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Backslashes_on_Linux_are_separators_in_relative_paths_and_literal_in_posix_absolute_ones()
    {
        Assert.Equal("/conf/out/index", ConfigPaths.Resolve("output.path", @".\\out\\index", "/conf", windows: false));
        Assert.Equal("/conf/out/index", ConfigPaths.Resolve("output.path", @"out\index", "/conf", windows: false));
        Assert.Equal(@"/data/odd\name", ConfigPaths.Resolve("output.path", @"/data/odd\name", "/conf", windows: false));
        var ex = Assert.Throws<ConfigurationException>(() => ConfigPaths.Resolve("state.path", @"\\server\share\s.json", "/conf", windows: false));
        Assert.Equal("state.path", ex.Key);
    }

    [Fact]
    public void Overrides_replace_file_values()
    {
        var (c, _) = ConfigLoader.Parse("s3: {bucket: b, max_jobs_to_process: 5}\noutput: {path: x}\nstate: {path: s}\n", "/base");
        var o = c.With(new ConfigOverrides { BaseDirectory = "/cwd", MaxJobs = 2, OutputPath = "other/idx.parquet", OutputTarget = OutputTarget.LocalParquet, ThrottleLimit = 3, StatePath = "/abs/state" });
        Assert.Equal(2, o.S3.MaxJobsToProcess);
        Assert.Equal(Path.GetFullPath("/cwd/other/idx.parquet"), o.Output.FilePath);
        Assert.Equal(3, o.Hashing.Workers);
        Assert.Equal(Path.GetFullPath("/abs/state"), o.State.Path);
        Assert.Null(c.With(new ConfigOverrides { MaxJobs = 0 }).S3.MaxJobsToProcess);
        Assert.Equal(5, c.With(new ConfigOverrides()).S3.MaxJobsToProcess);
        Assert.Throws<ConfigurationException>(() => c.With(new ConfigOverrides { ThrottleLimit = 0 }));
    }

    [Theory]
    [InlineData(OutputTarget.LocalCsv, "out/index", "out/index.csv")]
    [InlineData(OutputTarget.LocalCsv, "out/index.csv", "out/index.csv")]
    [InlineData(OutputTarget.LocalParquet, "out/index", "out/index.parquet")]
    [InlineData(OutputTarget.LocalParquet, "out/index.parquet", "out/index.parquet")]
    [InlineData(OutputTarget.LocalParquet, "out/index.csv", "out/index.csv.parquet")]
    public void Output_file_names_follow_the_original(OutputTarget target, string path, string expected)
        => Assert.Equal(expected, OutputPaths.IndexFile(target, path));

    [Fact]
    public void The_example_config_loads_without_warnings()
    {
        string path = Path.Combine(TestPaths.RepoRoot, "examples", "main_config.yaml");
        var (c, warnings) = ConfigLoader.Load(path);
        Assert.Empty(warnings);
        Assert.Equal("my-photo-bucket", c.S3.Bucket);
    }
}
