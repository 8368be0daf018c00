using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using QwenMesh.Metering.Events;

namespace QwenMesh.Metering.Consumer;

/// <summary>
/// Totals usage events with each request counted once. Delivery is at least once (an outbox replays what Kafka did not
/// acknowledge, a reader may see both the outbox and the topic), so copies of an event are expected and the event id,
/// the request id the client saw, is the dedupe key. When both the engine and the gateway accounted for the same
/// request (the gateway gave up on a decode pod that did finish), the engine's account wins whatever the order of
/// arrival, because the engine counted the tokens and the gateway only knew the prompt. Otherwise the first seen wins.
/// </summary>
public sealed class UsageTally
{
    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Ordinal, never culture order: the same events must print the same bill on every machine.</summary>
    static readonly IComparer<(string Tenant, string Model)> TenantThenModel = Comparer<(string Tenant, string Model)>.Create((a, b) =>
    {
        int c = string.CompareOrdinal(a.Tenant, b.Tenant);
        return c != 0 ? c : string.CompareOrdinal(a.Model, b.Model);
    });

    readonly Dictionary<string, UsageEvent> _accounts = new(StringComparer.Ordinal);
    readonly HashSet<string> _countedBefore;

    /// <param name="countedBefore">Ids an earlier run already counted (<see cref="CountedIds"/>): copies of them are duplicates here.</param>
    public UsageTally(IEnumerable<string>? countedBefore = null) => _countedBefore = new(countedBefore ?? [], StringComparer.Ordinal);

    /// <summary>The ids this tally counted.</summary>
    public IEnumerable<string> CountedIds => _accounts.Keys;

    /// <summary>Distinct event ids counted.</summary>
    public long Events => _accounts.Count;

    /// <summary>Copies beyond the one account per id (including gateway accounts an engine account replaced).</summary>
    public long Duplicates { get; private set; }

    /// <summary>Records the readers could not decode as usage events.</summary>
    public long Invalid { get; private set; }

    /// <summary>Counts <paramref name="e"/> unless its id already has an account that outranks it.</summary>
    /// <returns>True when <paramref name="e"/> is now its id's account; false when it is a duplicate.</returns>
    public bool Add(UsageEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (_countedBefore.Contains(e.Id))
        {
            Duplicates++;
            return false;
        }
        if (!_accounts.TryGetValue(e.Id, out UsageEvent? account))
        {
            _accounts.Add(e.Id, e);
            return true;
        }
        Duplicates++;
        if (account.Data.AccountedBy == UsageData.Gateway && e.Data.AccountedBy == UsageData.Engine)
        {
            _accounts[e.Id] = e;
            return true;
        }
        return false;
    }

    /// <summary>Counts one record that was not a usage event (a reader's decode failed).</summary>
    public void AddInvalid() => Invalid++;

    /// <summary>Totals per tenant, in ordinal order of the tenant's name.</summary>
    public IReadOnlyDictionary<string, UsageTotals> Tenants => Sum(e => e.Data.Tenant, StringComparer.Ordinal);

    /// <summary>Totals per tenant and model, in ordinal order of tenant then model.</summary>
    public IReadOnlyDictionary<(string Tenant, string Model), UsageTotals> TenantModels => Sum(e => (e.Data.Tenant, e.Data.Model), TenantThenModel);

    /// <summary>
    /// The tally as one line of JSON, exactly the documented shape (tools parse it): <c>events</c>, <c>duplicates</c>,
    /// then per tenant <c>requests</c>, <c>prompt_tokens</c>, <c>cached_tokens</c>, <c>completion_tokens</c>. Tenants
    /// are in ordinal order so two tallies of the same events print the same bytes; per-model totals are in the table.
    /// </summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("events", Events);
            json.WriteNumber("duplicates", Duplicates);
            json.WriteStartObject("tenants");
            foreach (var (tenant, t) in Tenants)
            {
                json.WriteStartObject(tenant);
                json.WriteNumber("requests", t.Requests);
                json.WriteNumber("prompt_tokens", t.PromptTokens);
                json.WriteNumber("cached_tokens", t.CachedTokens);
                json.WriteNumber("completion_tokens", t.CompletionTokens);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A table for people: one row per tenant and model, a total row per tenant, then the event counts.</summary>
    public void WriteTable(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var rows = new List<string[]> { new[] { "tenant", "model", "requests", "prompt", "cached", "completion", "reasoning" } };
        var models = TenantModels;
        foreach (var (tenant, totals) in Tenants)
        {
            foreach (var ((_, model), modelTotals) in models.Where(m => m.Key.Tenant == tenant)) rows.Add(Row(tenant, model, modelTotals));
            rows.Add(Row(tenant, "(all)", totals));
        }
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            // Names left-aligned, numbers right-aligned, so columns of digits line up.
            output.WriteLine(string.Join("  ", row.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Events} events, {Duplicates} duplicates, {Invalid} invalid"));
    }

    static string[] Row(string tenant, string model, UsageTotals t) =>
        [tenant, model, .. new[] { t.Requests, t.PromptTokens, t.CachedTokens, t.CompletionTokens, t.ReasoningTokens }.Select(n => n.ToString(CultureInfo.InvariantCulture))];

    SortedDictionary<TKey, UsageTotals> Sum<TKey>(Func<UsageEvent, TKey> key, IComparer<TKey> order) where TKey : notnull
    {
        var sums = new SortedDictionary<TKey, UsageTotals>(order);
        foreach (UsageEvent e in _accounts.Values)
        {
            TKey k = key(e);
            sums[k] = (sums.TryGetValue(k, out UsageTotals? t) ? t : UsageTotals.Zero).Plus(e.Data);
        }
        return sums;
    }
}
