using QwenMesh.LoadTest.Options;

namespace QwenMesh.LoadTest.Tests;

public sealed class TenantOptionTests : IDisposable
{
    const string Secret = "sk-SECRET-9f3a";

    readonly string _dir = Directory.CreateTempSubdirectory("qwenmesh-load-tenants-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string File(string json)
    {
        string path = Path.Combine(_dir, $"tenants-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Tenants_are_read_in_order_with_weight_1_by_default()
    {
        LoadOptions o = OptionParser.Parse(["--tenant", "alice=sk-a:3", "--tenant=bob=sk-b", "--tenant", "c.d_e-1=sk-c:0.5", "--retry-429", "2"]);
        Assert.Equal(
            [new Tenant("alice", "sk-a", 3), new Tenant("bob", "sk-b", 1), new Tenant("c.d_e-1", "sk-c", 0.5)],
            o.Tenants);
        Assert.Equal(2, o.Retry429);
        Assert.Null(o.ApiKey);
        Assert.Equal("sk-a", o.CatalogKey);
    }

    [Fact]
    public void Without_tenants_the_api_key_is_used_as_before()
    {
        LoadOptions o = OptionParser.Parse(["--api-key", "sk-one"]);
        Assert.Empty(o.Tenants);
        Assert.Equal(0, o.Retry429);
        Assert.Equal("sk-one", o.CatalogKey);
        Assert.Null(OptionParser.Parse([]).CatalogKey);
    }

    [Fact]
    public void A_tenants_file_is_read_and_joins_tenant_options_in_command_line_order()
    {
        string path = File("""{"tenants":[{"name":"alice","key":"sk-a:with:colons","weight":2},{"name":"bob","key":"sk-b"}]}""");
        LoadOptions o = OptionParser.Parse(["--tenant", "carol=sk-c:4", "--tenants", path]);
        Assert.Equal(
            [new Tenant("carol", "sk-c", 4), new Tenant("alice", "sk-a:with:colons", 2), new Tenant("bob", "sk-b", 1)],
            o.Tenants);
    }

    [Theory]
    [InlineData("--tenant must be NAME=KEY[:WEIGHT]", "--tenant", Secret)]
    [InlineData("--tenant name must be 1 to 64 letters", "--tenant", "=" + Secret)]
    [InlineData("--tenant name must be 1 to 64 letters, digits, '.', '_' or '-' starting with a letter or digit, got 'a b'", "--tenant", "a b=" + Secret)]
    [InlineData("--tenant 'a': the key must not be empty", "--tenant", "a=")]
    [InlineData("--tenant 'a': the key must not be empty", "--tenant", "a=:2")]
    [InlineData("--tenant 'a': the key must not contain spaces", "--tenant", "a=sk-SECRET 9f3a")]
    [InlineData("--tenant 'a': the weight after the last ':' must be a number", "--tenant", "a=sk:SECRET-9f3a")]
    [InlineData("--tenant 'a': the weight must be a number greater than 0", "--tenant", "a=" + Secret + ":0")]
    [InlineData("--tenant 'a': the weight must be a number greater than 0", "--tenant", "a=" + Secret + ":-1")]
    [InlineData("--tenant 'a': the weight must be a number greater than 0", "--tenant", "a=" + Secret + ":NaN")]
    [InlineData("--tenant 'a': the weight must be a number greater than 0 and at most 1000000", "--tenant", "a=" + Secret + ":1e7")]
    [InlineData("--tenant needs a value", "--tenant")]
    [InlineData("tenant 'A' given twice", "--tenant", "a=sk-1", "--tenant", "A=sk-2")]
    [InlineData("tenants 'a' and 'b' have the same key", "--tenant", "a=" + Secret, "--tenant", "b=" + Secret + ":2")]
    [InlineData("--api-key and --tenant/--tenants: give one or the other", "--api-key", "sk-x", "--tenant", "a=" + Secret)]
    [InlineData("--retry-429 must be an integer from 0 to 100, got '101'", "--retry-429", "101")]
    [InlineData("--tenants must not be empty", "--tenants", "")]
    public void Tenant_mistakes_are_named_without_showing_the_key(string expectedStart, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => OptionParser.Parse(args));
        Assert.StartsWith(expectedStart, e.Message);
        Assert.DoesNotContain("SECRET", e.Message);
    }

    [Theory]
    [InlineData("{\"tenants\":[{\"name\":\"a\",\"key\":\"sk-SECRET-9f3a\"", "not valid JSON (line 1, byte")]
    [InlineData("""{"tenants":[{"name":"a","key":sk-SECRET-9f3a}]}""", "not valid JSON (line 1, byte 31)")]
    [InlineData("""{"tenants":[]}""", "lists no tenant")]
    [InlineData("""[{"name":"a","key":"sk-SECRET-9f3a"}]""", "must be an object {\"tenants\":")]
    [InlineData("""{"tenants":[{"name":"a","key":"sk-SECRET-9f3a"}],"extra":1}""", "unknown field 'extra'")]
    [InlineData("""{"tenants":[{"name":"a","key":"sk-SECRET-9f3a","wieght":2}]}""", "tenant 1: unknown field 'wieght'")]
    [InlineData("""{"tenants":[{"name":"a","key":"sk-1"},{"name":"b"}]}""", "tenant 2 'b': \"key\" is missing")]
    [InlineData("""{"tenants":[{"key":"sk-SECRET-9f3a"}]}""", "tenant 1: \"name\" is missing")]
    [InlineData("""{"tenants":[{"name":"a","key":"sk-SECRET-9f3a","weight":"2"}]}""", "tenant 1: \"weight\" must be a number")]
    [InlineData("""{"tenants":[{"name":"a","key":42}]}""", "tenant 1: \"key\" must be a string")]
    public void Tenants_file_mistakes_are_named_without_showing_the_key(string json, string expected)
    {
        string path = File(json);
        var e = Assert.Throws<UsageException>(() => OptionParser.Parse(["--tenants", path]));
        Assert.StartsWith($"--tenants '{path}'", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("SECRET", e.Message);
    }

    [Fact]
    public void A_file_weight_out_of_range_and_duplicate_names_across_sources_are_refused()
    {
        string zero = File("""{"tenants":[{"name":"a","key":"sk-1","weight":0}]}""");
        Assert.StartsWith("--tenants 'a': the weight must be", Assert.Throws<UsageException>(() => OptionParser.Parse(["--tenants", zero])).Message);
        string one = File("""{"tenants":[{"name":"a","key":"sk-1"}]}""");
        Assert.Equal("tenant 'a' given twice", Assert.Throws<UsageException>(() => OptionParser.Parse(["--tenants", one, "--tenant", "a=sk-2"])).Message);
    }

    [Fact]
    public void A_missing_tenants_file_is_a_usage_error()
    {
        string path = Path.Combine(_dir, "absent.json");
        var e = Assert.Throws<UsageException>(() => OptionParser.Parse(["--tenants", path]));
        Assert.Equal($"--tenants '{path}': cannot read it (FileNotFoundException)", e.Message);
    }

    [Fact]
    public async Task A_bad_tenant_prints_one_stderr_line_without_the_key_and_exits_2()
    {
        AppRun run = await AppRun.OfAsync("--tenant", $"alice={Secret}:heavy");
        Assert.Equal(ExitCodes.BadArguments, run.ExitCode);
        Assert.Equal("", run.Stdout);
        string line = Assert.Single(run.StderrLines);
        Assert.StartsWith("qwenmesh-load: --tenant 'alice': the weight after the last ':' must be a number", line);
        Assert.DoesNotContain("SECRET", run.Stderr);
    }

    [Fact]
    public void A_tenant_prints_without_its_key()
    {
        var tenant = new Tenant("alice", Secret, 2.5);
        Assert.Equal("alice (weight 2.5)", tenant.ToString());
        Assert.DoesNotContain("SECRET", $"{new Run.ChatTurn([], null, false, tenant)}");
    }

    [Fact]
    public async Task Help_lists_the_tenant_options()
    {
        AppRun run = await AppRun.OfAsync("--help");
        Assert.Contains("--tenant NAME=KEY[:W]", run.Stdout);
        Assert.Contains("--tenants FILE", run.Stdout);
        Assert.Contains("--retry-429 N", run.Stdout);
    }
}
