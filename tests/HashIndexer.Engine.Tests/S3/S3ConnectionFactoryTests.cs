using Amazon.Runtime;
using HashIndexer.Engine.S3;

namespace HashIndexer.Engine.Tests.S3;

/// <summary>The AWS.Tools credential and region search order, on temporary profile files and a fake environment
/// (nothing here reads ~/.aws, the process environment, or the network).</summary>
public sealed class S3ConnectionFactoryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hashindexer-aws-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<string, string> _env = new() { ["AWS_EC2_METADATA_DISABLED"] = "true" };

    public S3ConnectionFactoryTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(CredentialsFile, """
            [default]
            aws_access_key_id = AKIADEFAULTPROFILE01
            aws_secret_access_key = default-secret

            [dev]
            aws_access_key_id = AKIADEVPROFILE000001
            aws_secret_access_key = dev-secret

            [other]
            aws_access_key_id = AKIAOTHERPROFILE0001
            aws_secret_access_key = other-secret
            """);
        File.WriteAllText(Path.Combine(_dir, "config"), """
            [default]
            region = eu-central-1

            [profile dev]
            region = eu-west-2

            [profile sso-user]
            sso_start_url = https://example.awsapps.com/start
            sso_region = eu-west-1
            sso_account_id = 123456789012
            sso_role_name = ReadOnly
            region = ap-southeast-2

            [profile role-user]
            role_arn = arn:aws:iam::123456789012:role/Reader
            source_profile = dev
            region = us-west-2
            """);
    }

    private string CredentialsFile => Path.Combine(_dir, "credentials");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private S3ConnectionFactory Factory => new(name => _env.TryGetValue(name, out string? v) ? v : null);

    private S3ConnectionOptions Options(Func<S3ConnectionOptions, S3ConnectionOptions>? change = null)
    {
        var o = new S3ConnectionOptions { ProfilesLocation = CredentialsFile };
        return change is null ? o : change(o);
    }

    private (string AccessKey, string Source) Resolve(S3ConnectionOptions options)
    {
        S3ConnectionFactory factory = Factory;
        (AWSCredentials credentials, string source) = factory.ResolveCredentials(options, new Amazon.Runtime.CredentialManagement.CredentialProfileStoreChain(options.ProfilesLocation));
        return (credentials.GetCredentials().AccessKey, source);
    }

    private void SetEnvironmentKeys()
    {
        _env["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT00001";
        _env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    }

    [Fact]
    public void Explicit_keys_win_over_profile_and_environment()
    {
        SetEnvironmentKeys();
        (string key, string source) = Resolve(Options(o => o with { AccessKey = "AKIAEXPLICIT00000001", SecretKey = "s", ProfileName = "dev" }));

        Assert.Equal("AKIAEXPLICIT00000001", key);
        Assert.Equal("explicit access key ...0001", source);
    }

    [Fact]
    public void Named_profile_wins_over_environment()
    {
        SetEnvironmentKeys();
        (string key, string source) = Resolve(Options(o => o with { ProfileName = "dev" }));

        Assert.Equal("AKIADEVPROFILE000001", key);
        Assert.StartsWith("profile 'dev'", source);
    }

    [Fact]
    public void Credential_object_comes_after_profile_and_before_environment()
    {
        SetEnvironmentKeys();
        (string withProfile, _) = Resolve(Options(o => o with { ProfileName = "dev", CredentialAccessKey = "AKIACREDOBJECT000001", CredentialSecretKey = "c" }));
        (string alone, string source) = Resolve(Options(o => o with { CredentialAccessKey = "AKIACREDOBJECT000001", CredentialSecretKey = "c" }));

        Assert.Equal("AKIADEVPROFILE000001", withProfile);
        Assert.Equal("AKIACREDOBJECT000001", alone);
        Assert.Equal("credential object (access key ...0001)", source);
    }

    [Fact]
    public void Environment_wins_over_default_profile()
    {
        SetEnvironmentKeys();
        (string key, string source) = Resolve(Options());

        Assert.Equal("AKIAENVIRONMENT00001", key);
        Assert.StartsWith("environment variables", source);
    }

    [Fact]
    public void Environment_session_token_is_used()
    {
        SetEnvironmentKeys();
        _env["AWS_SESSION_TOKEN"] = "token-value";
        S3ConnectionFactory factory = Factory;

        (AWSCredentials credentials, _) = factory.ResolveCredentials(Options(), new Amazon.Runtime.CredentialManagement.CredentialProfileStoreChain(CredentialsFile));

        Assert.Equal("token-value", credentials.GetCredentials().Token);
    }

    [Fact]
    public void Default_profile_is_used_when_nothing_else_is_given()
    {
        (string key, string source) = Resolve(Options());

        Assert.Equal("AKIADEFAULTPROFILE01", key);
        Assert.StartsWith("default profile 'default'", source);
    }

    [Fact]
    public void AWS_PROFILE_names_the_default_profile()
    {
        _env["AWS_PROFILE"] = "other";
        (string key, _) = Resolve(Options());

        Assert.Equal("AKIAOTHERPROFILE0001", key);
    }

    [Fact]
    public void Unknown_profile_is_AwsProfileNotFound_naming_it_and_the_files()
    {
        var e = Assert.Throws<S3SetupException>(() => Factory.Create(Options(o => o with { ProfileName = "nope" })));

        Assert.Equal(S3ErrorIds.AwsProfileNotFound, e.ErrorId);
        Assert.Contains("'nope'", e.Message);
        Assert.Contains(CredentialsFile, e.Message);
    }

    [Fact]
    public void Unknown_AWS_PROFILE_is_AwsProfileNotFound()
    {
        _env["AWS_PROFILE"] = "missing-one";
        var e = Assert.Throws<S3SetupException>(() => Factory.Create(Options(o => o with { Region = "eu-west-1" })));

        Assert.Equal(S3ErrorIds.AwsProfileNotFound, e.ErrorId);
        Assert.Contains("'missing-one'", e.Message);
    }

    [Fact]
    public void No_credentials_anywhere_is_AwsCredentialsNotFound()
    {
        File.Delete(CredentialsFile);
        var e = Assert.Throws<S3SetupException>(() => Factory.Create(Options(o => o with { Region = "eu-west-1" })));

        Assert.Equal(S3ErrorIds.AwsCredentialsNotFound, e.ErrorId);
    }

    [Fact]
    public void Default_profile_with_only_a_region_is_passed_over()
    {
        // [default] in config has a region only; nothing else: the search goes on to the instance role, which is
        // disabled here (no network in these tests), so no credentials are found rather than a broken profile.
        File.WriteAllText(CredentialsFile, "");

        var e = Assert.Throws<S3SetupException>(() => Factory.Create(Options()));

        Assert.Equal(S3ErrorIds.AwsCredentialsNotFound, e.ErrorId);
        Assert.Contains("no credentials in profile 'default'", e.Message);
    }

    [Fact]
    public void Access_key_without_secret_is_refused()
    {
        var e = Assert.Throws<S3SetupException>(() => Factory.Create(Options(o => o with { AccessKey = "AKIAONLY", Region = "eu-west-1" })));

        Assert.Equal(S3ErrorIds.AwsCredentialsNotFound, e.ErrorId);
    }

    [Fact]
    public void Sso_profile_gives_sso_credentials()
    {
        S3ConnectionFactory factory = Factory;
        (AWSCredentials credentials, string source) = factory.ResolveCredentials(Options(o => o with { ProfileName = "sso-user" }),
            new Amazon.Runtime.CredentialManagement.CredentialProfileStoreChain(CredentialsFile));

        Assert.IsType<SSOAWSCredentials>(credentials);
        Assert.Equal("profile 'sso-user' (SSO)", source);
    }

    [Fact]
    public void Role_profile_gives_assume_role_credentials()
    {
        S3ConnectionFactory factory = Factory;
        (AWSCredentials credentials, string source) = factory.ResolveCredentials(Options(o => o with { ProfileName = "role-user" }),
            new Amazon.Runtime.CredentialManagement.CredentialProfileStoreChain(CredentialsFile));

        Assert.IsType<AssumeRoleAWSCredentials>(credentials);
        Assert.Contains("arn:aws:iam::123456789012:role/Reader", source);
    }

    [Fact]
    public void RoleArn_assumes_a_role_on_top_and_says_so()
    {
        using S3Connection c = Factory.Create(Options(o => o with
        {
            ProfileName = "dev",
            RoleArn = "arn:aws:iam::123456789012:role/Indexer",
            ExternalId = "secret-external-id",
        }));

        Assert.Equal("role arn:aws:iam::123456789012:role/Indexer (with external id) assumed with profile 'dev' (access key ...0001)", c.Info.CredentialSource);
        Assert.DoesNotContain("secret-external-id", c.Description);
    }

    [Theory]
    [InlineData("explicit", null, null, null, "ap-northeast-1", "-Region")]
    [InlineData(null, "dev", "us-east-2", null, "eu-west-2", "profile 'dev'")]
    [InlineData(null, null, "us-east-2", "sa-east-1", "us-east-2", "AWS_REGION")]
    [InlineData(null, null, null, "sa-east-1", "sa-east-1", "AWS_DEFAULT_REGION")]
    [InlineData(null, null, null, null, "eu-central-1", "default profile 'default'")]
    public void Region_search_order(string? explicitRegion, string? profile, string? awsRegion, string? awsDefaultRegion, string expected, string source)
    {
        if (awsRegion is not null)
        {
            _env["AWS_REGION"] = awsRegion;
        }
        if (awsDefaultRegion is not null)
        {
            _env["AWS_DEFAULT_REGION"] = awsDefaultRegion;
        }
        using S3Connection c = Factory.Create(Options(o => o with { Region = explicitRegion is null ? null : "ap-northeast-1", ProfileName = profile }));

        Assert.Equal(expected, c.Info.Region);
        Assert.Equal(source, c.Info.RegionSource);
    }

    [Fact]
    public void No_region_is_AwsRegionNotFound_unless_an_endpoint_is_given()
    {
        File.Delete(Path.Combine(_dir, "config"));
        SetEnvironmentKeys();

        var e = Assert.Throws<S3SetupException>(() => Factory.Create(Options()));
        using S3Connection c = Factory.Create(Options(o => o with { EndpointUrl = "http://127.0.0.1:9/" }));

        Assert.Equal(S3ErrorIds.AwsRegionNotFound, e.ErrorId);
        Assert.Equal("us-east-1", c.Info.Region);
        Assert.Equal("http://127.0.0.1:9", c.Info.EndpointUrl);
    }

    [Fact]
    public void Description_names_sources_but_never_secrets()
    {
        using S3Connection c = Factory.Create(Options(o => o with
        {
            AccessKey = "AKIAEXPLICIT00000001",
            SecretKey = "very-secret-key",
            SessionToken = "very-secret-token",
            Region = "eu-west-1",
        }));

        Assert.Equal("S3 (AWS), region eu-west-1 (from -Region), credentials from explicit access key ...0001 with session token", c.Description);
        Assert.DoesNotContain("very-secret", c.Description);
        Assert.DoesNotContain("AKIAEXPLICIT", c.Description);
    }

    [Fact]
    public void Bad_endpoint_url_is_refused()
    {
        var e = Assert.Throws<S3SetupException>(() => Factory.Create(Options(o => o with { EndpointUrl = "127.0.0.1:9000", AccessKey = "a", SecretKey = "b" })));

        Assert.Equal(S3ErrorIds.S3EndpointUnreachable, e.ErrorId);
    }
}
