using System.Text.Json;
using Json.Schema;
using QwenMesh.Metering.Events;

namespace QwenMesh.Metering.Tests.Events;

/// <summary>The events the emitters write are what the published schema (deploy/schemas/usage-event.v1.json) says, and read back unchanged.</summary>
public sealed class UsageEventSchemaTests
{
    static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(SchemaPath()));

    public static UsageEvent Engine() => new("req-1", UsageEvent.SourceOf("decode", "decode-0"), new DateTimeOffset(2026, 12, 2, 10, 0, 1, TimeSpan.Zero), new UsageData
    {
        Tenant = "acme",
        ApiKeyId = "key_abc",
        Model = "qwen3.5",
        PromptTokens = 120,
        CachedTokens = 64,
        CompletionTokens = 30,
        ReasoningTokens = 12,
        Status = UsageStatus.Finished,
        FinishReason = "length",
        TimeToFirstTokenMs = 85.5,
        DurationMs = 912.25,
        StartedAt = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero),
        SessionId = "chat-7",
        PrefillPod = "prefill-1",
        DecodePod = "decode-0",
        AccountedBy = UsageData.Engine,
    });

    static UsageEvent Gateway() => new("req-2", UsageEvent.SourceOf("gateway", "gw-a"), DateTimeOffset.UtcNow, new UsageData
    {
        Tenant = "acme",
        Model = "",
        Status = UsageStatus.Rejected,
        StartedAt = DateTimeOffset.UtcNow,
        AccountedBy = UsageData.Gateway,
    });

    static string SchemaPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "deploy", "schemas", "usage-event.v1.json");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("deploy/schemas/usage-event.v1.json not found above the test folder");
    }

    static EvaluationResults Evaluate(byte[] encoded) =>
        Schema.Evaluate(JsonDocument.Parse(encoded).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });

    [Fact]
    public void Engine_and_gateway_events_match_the_published_schema()
    {
        foreach (UsageEvent usage in new[] { Engine(), Gateway() })
        {
            var result = Evaluate(usage.Encode());
            Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        }
    }

    [Fact]
    public void The_schema_refuses_an_event_it_does_not_describe()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Engine().Encode())!;
        node["data"]!["status"] = "paid";
        Assert.False(Evaluate(JsonSerializer.SerializeToUtf8Bytes(node)).IsValid);
        node = System.Text.Json.Nodes.JsonNode.Parse(Engine().Encode())!;
        node["data"]!.AsObject().Remove("tenant");
        Assert.False(Evaluate(JsonSerializer.SerializeToUtf8Bytes(node)).IsValid);
        node = System.Text.Json.Nodes.JsonNode.Parse(Engine().Encode())!;
        node["type"] = "io.qwenmesh.usage.v2";
        Assert.False(Evaluate(JsonSerializer.SerializeToUtf8Bytes(node)).IsValid);
    }

    [Fact]
    public void An_event_is_one_line_of_cloudevents_json_and_reads_back_unchanged()
    {
        UsageEvent usage = Engine();
        byte[] encoded = usage.Encode();
        Assert.DoesNotContain((byte)'\n', encoded);
        using var json = JsonDocument.Parse(encoded);
        Assert.Equal("1.0", json.RootElement.GetProperty("specversion").GetString());
        Assert.Equal("io.qwenmesh.usage.v1", json.RootElement.GetProperty("type").GetString());
        Assert.Equal("acme", json.RootElement.GetProperty("subject").GetString());
        Assert.Equal("acme", json.RootElement.GetProperty("partitionkey").GetString());
        Assert.Equal("/qwenmesh/decode/decode-0", json.RootElement.GetProperty("source").GetString());
        Assert.Equal(usage, UsageEvent.Decode(encoded));
        Assert.Equal(("acme", usage.Time), UsageEvent.Envelope(encoded));
    }

    [Fact]
    public void Bytes_that_are_not_a_usage_event_are_a_format_error()
    {
        Assert.Throws<UsageEventFormatException>(() => UsageEvent.Decode("not json"u8.ToArray()));
        var node = System.Text.Json.Nodes.JsonNode.Parse(Engine().Encode())!;
        node["type"] = "com.example.other";
        Assert.Throws<UsageEventFormatException>(() => UsageEvent.Decode(JsonSerializer.SerializeToUtf8Bytes(node)));
        Assert.Throws<UsageEventFormatException>(() => UsageEvent.Envelope("{\"id\":\"x\"}"u8));
    }
}
