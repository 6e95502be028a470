using System.Diagnostics;
using HashIndexer.Engine.Links;

namespace HashIndexer.Engine.Tests.Links;

/// <summary>
/// s3rver does not verify signatures, so signature correctness is shown against an independent
/// implementation: botocore's presigner (Debian's python3-botocore), same credentials, region, key, clock.
/// </summary>
public sealed class SigV4PresignerTests
{
    private static readonly DateTimeOffset s_signingTime = new(2026, 11, 23, 12, 34, 56, TimeSpan.Zero);

    public static TheoryData<string, string, string?, string?, int> Cases => new()
    {
        { "us-east-1", "ODM Duplicate Image/100234/photo 1.jpg", null, "http://127.0.0.1:4569", 604800 },
        { "eu-west-1", "ODM Duplicate Image/100234/Straße+&%.jpg", null, null, 604800 },
        { "us-east-1", "ODM Duplicate Image/1/写真 (1).JPG", null, null, 3600 },
        { "ap-southeast-2", "a/b/c~d_e-f.g", "FwoGZXIvYXdzEJr//////////wEaDOPQ+token/with=chars", null, 86400 },
        { "us-west-2", "jobs/über/ü.png", "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "http://127.0.0.1:9000/", 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void UrlEqualsBotocorePresigner(string region, string key, string? token, string? endpoint, int expires)
    {
        var credentials = new SigningCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token);
        Uri ours = SigV4Presigner.Presign(credentials, region, "field-photos", key, s_signingTime, TimeSpan.FromSeconds(expires), endpoint is null ? null : new Uri(endpoint));
        string botocore = Botocore(region, "field-photos", key, token, endpoint, expires);
        Assert.Equal(botocore, ours.AbsoluteUri);
    }

    [Fact]
    public void MoreThanSevenDaysIsRefused()
    {
        var credentials = new SigningCredentials("AKID", "SECRET", null);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            SigV4Presigner.Presign(credentials, "us-east-1", "b", "k", s_signingTime, TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1)));
    }

    private static string Botocore(string region, string bucket, string key, string? token, string? endpoint, int expires)
    {
        const string script = """
            import sys, datetime, types
            import botocore.auth, botocore.session
            from botocore.config import Config
            class Fixed(datetime.datetime):
                @classmethod
                def utcnow(cls):
                    return cls(2026, 11, 23, 12, 34, 56)
            shim = types.SimpleNamespace(**{k: getattr(datetime, k) for k in dir(datetime) if not k.startswith('__')})
            shim.datetime = Fixed
            botocore.auth.datetime = shim
            region, bucket, key, token, endpoint, expires = sys.argv[1:7]
            # Without an endpoint, name AWS's regional endpoint explicitly: botocore 1.29 would otherwise
            # use the global s3.amazonaws.com host, which redirects for buckets outside us-east-1.
            virtual_endpoint = 'https://s3.amazonaws.com' if region == 'us-east-1' else 'https://s3.%s.amazonaws.com' % region
            session = botocore.session.get_session()
            client = session.create_client(
                's3', region_name=region,
                aws_access_key_id='AKIAIOSFODNN7EXAMPLE', aws_secret_access_key='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
                aws_session_token=token or None, endpoint_url=endpoint or virtual_endpoint,
                config=Config(signature_version='s3v4', s3={'addressing_style': 'path' if endpoint else 'virtual'}))
            print(client.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': key}, ExpiresIn=int(expires)))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "-c", script, region, bucket, key, token ?? "", endpoint ?? "", expires.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "botocore presigner failed (apt-get install python3-botocore): " + error);
        return output.Trim();
    }
}
