using QwenMesh.Metering.Consumer;
using QwenMesh.Metering.Events;
using static QwenMesh.Metering.Tests.Consumer.ConsumerEvents;

namespace QwenMesh.Metering.Tests.Consumer;

/// <summary>One account per request id, the engine's over the gateway's, and the exact JSON a script reads.</summary>
public sealed class UsageTallyTests
{
    [Fact]
    public void Copies_of_an_event_count_once()
    {
        var tally = new UsageTally();
        Assert.True(tally.Add(Of("r1", prompt: 10, completion: 5)));
        Assert.False(tally.Add(Of("r1", prompt: 10, completion: 5)));
        Assert.False(tally.Add(Of("r1", prompt: 10, completion: 5)));
        Assert.True(tally.Add(Of("r2", prompt: 7, completion: 3)));
        Assert.Equal(2, tally.Events);
        Assert.Equal(2, tally.Duplicates);
        Assert.Equal(new UsageTotals(2, 17, 0, 8, 0), tally.Tenants["acme"]);
    }

    [Fact]
    public void The_first_account_wins_between_two_of_the_same_kind()
    {
        var tally = new UsageTally();
        tally.Add(Of("r1", prompt: 10, completion: 5));
        Assert.False(tally.Add(Of("r1", prompt: 99, completion: 99)));
        tally.Add(Of("r2", prompt: 4, completion: 0, accountedBy: UsageData.Gateway));
        Assert.False(tally.Add(Of("r2", prompt: 50, completion: 0, accountedBy: UsageData.Gateway)));
        Assert.Equal(new UsageTotals(2, 14, 0, 5, 0), tally.Tenants["acme"]);
        Assert.Equal(2, tally.Duplicates);
    }

    [Fact]
    public void An_engine_account_replaces_an_earlier_gateway_one()
    {
        var tally = new UsageTally();
        Assert.True(tally.Add(Of("r1", prompt: 10, completion: 0, accountedBy: UsageData.Gateway)));
        Assert.True(tally.Add(Of("r1", prompt: 10, cached: 4, completion: 42, reasoning: 2, accountedBy: UsageData.Engine)));
        Assert.Equal(1, tally.Events);
        Assert.Equal(1, tally.Duplicates);
        Assert.Equal(new UsageTotals(1, 10, 4, 42, 2), tally.Tenants["acme"]);
    }

    [Fact]
    public void A_gateway_account_after_an_engine_one_is_a_duplicate()
    {
        var tally = new UsageTally();
        Assert.True(tally.Add(Of("r1", prompt: 10, cached: 4, completion: 42, accountedBy: UsageData.Engine)));
        Assert.False(tally.Add(Of("r1", prompt: 10, completion: 0, accountedBy: UsageData.Gateway)));
        Assert.Equal(1, tally.Events);
        Assert.Equal(1, tally.Duplicates);
        Assert.Equal(new UsageTotals(1, 10, 4, 42, 0), tally.Tenants["acme"]);
    }

    [Fact]
    public void Totals_are_per_tenant_and_per_model()
    {
        var tally = new UsageTally();
        tally.Add(Of("a1", tenant: "acme", model: "m-big", prompt: 100, completion: 10));
        tally.Add(Of("a2", tenant: "acme", model: "m-small", prompt: 1, completion: 2));
        tally.Add(Of("a3", tenant: "acme", model: "m-big", prompt: 50, completion: 5));
        tally.Add(Of("b1", tenant: "beta", model: "m-small", prompt: 3, completion: 4));
        Assert.Equal(["acme", "beta"], tally.Tenants.Keys);
        Assert.Equal(new UsageTotals(3, 151, 0, 17, 0), tally.Tenants["acme"]);
        Assert.Equal(new UsageTotals(2, 150, 0, 15, 0), tally.TenantModels[("acme", "m-big")]);
        Assert.Equal(new UsageTotals(1, 1, 0, 2, 0), tally.TenantModels[("acme", "m-small")]);
        Assert.Equal(new UsageTotals(1, 3, 0, 4, 0), tally.TenantModels[("beta", "m-small")]);
    }

    [Fact]
    public void The_json_is_one_line_in_ordinal_key_order()
    {
        var tally = new UsageTally();
        tally.Add(Of("r1", tenant: "beta", model: "m", prompt: 3, completion: 4));
        tally.Add(Of("r2", tenant: "Zeta", model: "m", prompt: 1, cached: 1, completion: 1, reasoning: 1));
        tally.Add(Of("r2", tenant: "Zeta", model: "m"));
        tally.AddInvalid();
        Assert.Equal(
            """{"events":2,"duplicates":1,"tenants":{"Zeta":{"requests":1,"prompt_tokens":1,"cached_tokens":1,"completion_tokens":1},"beta":{"requests":1,"prompt_tokens":3,"cached_tokens":0,"completion_tokens":4}}}""",
            tally.ToJson());
        Assert.Equal(1, tally.Invalid);
    }

    [Fact]
    public void An_empty_tally_prints_no_tenants()
    {
        Assert.Equal("""{"events":0,"duplicates":0,"tenants":{}}""", new UsageTally().ToJson());
    }

    [Fact]
    public void The_table_has_a_row_per_model_and_a_total_per_tenant()
    {
        var tally = new UsageTally();
        tally.Add(Of("a1", tenant: "acme", model: "m-big", prompt: 100, completion: 10));
        tally.Add(Of("a2", tenant: "acme", model: "m-small", prompt: 1, completion: 2));
        tally.Add(Of("a2", tenant: "acme", model: "m-small"));
        var table = new StringWriter();
        tally.WriteTable(table);
        string[] lines = table.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("tenant", lines[0]);
        Assert.Matches(@"^acme\s+m-big\s+1\s+100\s+0\s+10\s+0$", lines[1]);
        Assert.Matches(@"^acme\s+m-small\s+1\s+1\s+0\s+2\s+0$", lines[2]);
        Assert.Matches(@"^acme\s+\(all\)\s+2\s+101\s+0\s+12\s+0$", lines[3]);
        Assert.Equal("2 events, 1 duplicates, 0 invalid", lines[4]);
    }
}
