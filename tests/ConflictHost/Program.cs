// Dependency-isolation scenario (issue #2, point 6). Exit code 0 = every check passed.
// Usage: ConflictHost <HashIndexer.psd1> <image file> [<s3 endpoint url> <bucket> <root prefix>]
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.Loader;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CsvHelper;
using SkiaSharp;
using YamlDotNet.Serialization;

string manifest = args[0];
string image = args[1];
string? endpoint = args.Length > 2 ? args[2] : null;
string? bucket = args.Length > 3 ? args[3] : null;
string? rootPrefix = args.Length > 4 ? args[4] : null;
int failures = 0;

void Check(bool ok, string what)
{
    Console.WriteLine((ok ? "ok   " : "FAIL ") + what);
    if (!ok)
    {
        failures++;
    }
}

// 1. Load and use the other versions first, in the default context.
string UseOldAssemblies()
{
    var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<string, string>>("a: b");
    using var writer = new StringWriter();
    using (var csv = new CsvWriter(writer, CultureInfo.InvariantCulture))
    {
        csv.WriteField(yaml["a"]);
        csv.NextRecord();
    }
    using var bitmap = new SKBitmap(8, 8);
    bitmap.Erase(SKColors.Red);
    using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
    string s3 = "no endpoint";
    if (endpoint is not null)
    {
        using var client = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
        });
        ListObjectsV2Response listed = client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = 5 }).GetAwaiter().GetResult();
        s3 = $"{listed.KeyCount} keys";
    }
    return $"yaml={yaml["a"]} csv={writer.ToString().Trim()} png={png.Size} bytes s3={s3}";
}

Console.WriteLine("before import: " + UseOldAssemblies());
var before = VersionsInDefaultContext();
foreach (var (name, version) in before)
{
    Console.WriteLine($"default context: {name} {version}");
}

// 2. Import HashIndexer through its manifest and use it: hash an image, list S3.
var iss = InitialSessionState.CreateDefault2();
using (Runspace runspace = RunspaceFactory.CreateRunspace(iss))
{
    runspace.Open();
    using PowerShell ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddScript("Import-Module $args[0] -ErrorAction Stop; Get-ImageHash -LiteralPath $args[1] -Algorithm PHash, Sha256").AddArgument(manifest).AddArgument(image);
    var output = ps.Invoke();
    foreach (ErrorRecord error in ps.Streams.Error)
    {
        Console.WriteLine("error: " + error);
    }
    Check(ps.Streams.Error.Count == 0 && output.Count == 1 && output[0].Properties["PHash"]?.Value is string { Length: 16 }, "Get-ImageHash hashed the image after the other versions were loaded");
    if (output.Count == 1)
    {
        Console.WriteLine("phash: " + output[0].Properties["PHash"]?.Value);
    }

    if (endpoint is not null)
    {
        ps.Commands.Clear();
        ps.Streams.Error.Clear();
        // The credential object comes from the OTHER AWSSDK (3.7, as AWS.Tools' Get-AWSCredential returns):
        // HashIndexer must take its keys without sharing its type.
        var awsToolsCredential = new BasicAWSCredentials("S3RVER", "S3RVER");
        ps.AddScript("Get-S3ImageJob -BucketName $args[0] -Prefix $args[1] -EndpointUrl $args[2] -Region us-east-1 -Credential $args[3] | Get-ImagePHash")
            .AddArgument(bucket).AddArgument(rootPrefix).AddArgument(endpoint).AddArgument(awsToolsCredential);
        var jobs = ps.Invoke();
        foreach (ErrorRecord error in ps.Streams.Error)
        {
            Console.WriteLine("error: " + error);
        }
        Check(jobs.Count > 0 && jobs.All(r => r.Properties["original_hash"]?.Value is string { Length: 16 }), $"Get-S3ImageJob | Get-ImagePHash hashed {jobs.Count} S3 images with an AWSSDK 3.7 credential object");
    }
}

// 3. The first-loaded assemblies are still the ones the default context serves, and still work.
Console.WriteLine("after import: " + UseOldAssemblies());
var after = VersionsInDefaultContext();
foreach (var (name, version) in before)
{
    Check(after.TryGetValue(name, out Version? now) && now == version, $"{name} {version} still the default context's version");
}
Check(!AssemblyLoadContext.Default.Assemblies.Any(a => a.GetName().Name == "HashIndexer.Engine"), "HashIndexer.Engine is not in the default context");
var hashIndexerContext = AssemblyLoadContext.All.FirstOrDefault(c => c.Name == "HashIndexer");
Check(hashIndexerContext is not null, "HashIndexer's private load context exists");
if (hashIndexerContext is not null)
{
    foreach (Assembly assembly in hashIndexerContext.Assemblies)
    {
        Console.WriteLine($"HashIndexer context: {assembly.GetName().Name} {assembly.GetName().Version}");
    }
    Check(hashIndexerContext.Assemblies.Any(a => a.GetName().Name == "SkiaSharp" && a.GetName().Version!.Major >= 3), "HashIndexer uses its own SkiaSharp");
}

Console.WriteLine(failures == 0 ? "ALL CHECKS PASSED" : $"{failures} CHECK(S) FAILED");
return failures == 0 ? 0 : 1;

static Dictionary<string, Version> VersionsInDefaultContext()
{
    string[] watched = ["AWSSDK.Core", "AWSSDK.S3", "YamlDotNet", "CsvHelper", "SkiaSharp"];
    return AssemblyLoadContext.Default.Assemblies
        .Where(a => watched.Contains(a.GetName().Name))
        .ToDictionary(a => a.GetName().Name!, a => a.GetName().Version!);
}
