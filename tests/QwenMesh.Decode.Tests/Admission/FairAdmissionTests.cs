using QwenMesh.Decode.Admission;
using QwenMesh.Decode.OpenAi;

namespace QwenMesh.Decode.Tests.Admission;

public sealed class FairAdmissionTests
{
    const int Slots = 4;
    const int MaxPrompt = 120, MaxOutput = 60;

    /// <summary>Requests of one size distribution for every tenant (fixed seed): fairness is then about the order, not the sizes.</summary>
    static IEnumerable<SaturatedGate.Request> Requests(string tenant, double weight, int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++) yield return new(tenant, weight, random.Next(20, MaxPrompt + 1), random.Next(5, MaxOutput + 1));
    }

    static SaturatedGate Saturated() => new(new FairAdmission(Slots, maxWaiting: 10_000));

    [Fact]
    public void Equal_tenants_get_equal_tokens_while_both_are_backlogged_however_many_more_requests_one_sends()
    {
        var sim = Saturated();
        // Interleaved arrival of 8 A's for every B, all before the first token: the heavy tenant fills FIFO order.
        var heavy = Requests("heavy", 1, 800, seed: 1).ToList();
        var light = Requests("light", 1, 100, seed: 2).ToList();
        for (int i = 0; i < light.Count; i++)
        {
            foreach (var r in heavy.Skip(i * 8).Take(8)) sim.Submit(r);
            sim.Submit(light[i]);
        }
        long heavyServed = 0, lightServed = 0;
        int steps = 0;
        while (sim.Backlogged("heavy") && sim.Backlogged("light") && sim.Step())
        {
            heavyServed = sim.Of("heavy");
            lightServed = sim.Of("light");
            steps++;
        }

        Assert.True(steps > 500, $"the window of both backlogged must be long enough to judge ({steps} steps)");
        double difference = Math.Abs(heavyServed - lightServed) / (double)Math.Max(heavyServed, lightServed);
        Assert.True(difference <= 0.25, $"heavy {heavyServed} vs light {lightServed} tokens: {difference:P1} apart");
        double jain = SaturatedGate.Jain(heavyServed, lightServed);
        Assert.True(jain >= 0.99, $"Jain's index {jain:F4} (heavy {heavyServed}, light {lightServed})");
        // FIFO would have served the light tenant one request in nine.
        Assert.True(sim.Grants.Count(g => g == "light") * 3 > sim.Grants.Count, $"light got {sim.Grants.Count(g => g == "light")} of {sim.Grants.Count} grants");
    }

    [Fact]
    public void Weights_two_to_one_get_tokens_two_to_one()
    {
        var sim = Saturated();
        foreach (var (a, b) in Requests("gold", 2, 600, seed: 3).Zip(Requests("bronze", 1, 600, seed: 4)))
        {
            sim.Submit(a);
            sim.Submit(b);
        }
        while (sim.Backlogged("gold") && sim.Backlogged("bronze") && sim.Step())
        {
        }

        double ratio = sim.Of("gold") / (double)sim.Of("bronze");
        Assert.InRange(ratio, 1.8, 2.2);
        // Counters are tokens over weight: the two stay level.
        double counters = sim.Gate.Counter("gold") / sim.Gate.Counter("bronze");
        Assert.InRange(counters, 0.9, 1.1);
    }

    [Fact]
    public void A_tenant_arriving_late_is_served_promptly_but_banks_no_credit_for_the_time_it_was_away()
    {
        var sim = Saturated();
        foreach (var r in Requests("early", 1, 2_000, seed: 5)) sim.Submit(r);
        for (int i = 0; i < 3_000; i++) sim.Step();
        long earlyBefore = sim.Of("early");
        int grantsBefore = sim.Grants.Count;
        Assert.True(earlyBefore > 20_000, "the early tenant ran alone for a long while first");

        foreach (var r in Requests("late", 1, 200, seed: 6)) sim.Submit(r);
        while (sim.Backlogged("early") && sim.Backlogged("late") && sim.Grants.Count < grantsBefore + 100) sim.Step();

        // Promptly: the late tenant's first request takes one of the next two free slots (a tie goes to the earlier arrival).
        int firstLate = sim.Grants.IndexOf("late", grantsBefore) - grantsBefore;
        Assert.InRange(firstLate, 0, 1);
        // No burst: its counter was lifted to the early tenant's, so from then on both get about the same. Without the
        // lift it would take every slot until it had caught up with all the early tenant's past service (> 20k tokens).
        long late = sim.Of("late"), early = sim.Of("early") - earlyBefore;
        Assert.True(late - early <= 2L * Slots * (MaxPrompt + MaxOutput), $"late {late} vs early {early} tokens since the late tenant arrived");
        int lateGrants = sim.Grants.Skip(grantsBefore).Count(g => g == "late");
        Assert.InRange(lateGrants, 40, 60);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_at_once_and_never_takes_a_slot()
    {
        var gate = new FairAdmission(1, maxWaiting: 10);
        AdmissionSlot held = await gate.EnterAsync("a", 1, 10, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        Task<AdmissionSlot> cancelled = gate.EnterAsync("b", 1, 10, cancel.Token);
        Task<AdmissionSlot> next = gate.EnterAsync("c", 1, 10, CancellationToken.None);
        Assert.Equal(2, gate.Waiting);

        cancel.Cancel();
        Assert.Equal(1, gate.Waiting);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        held.Dispose();
        held.Dispose();   // a second release frees nothing more
        AdmissionSlot granted = await next;
        Assert.Equal("c", granted.Tenant);
        Assert.Equal(1, gate.Running);
        Assert.Equal(0, gate.Waiting);
        // b was lifted to a's level (10, a's prompt) and never charged its own prompt.
        Assert.Equal(10, gate.Counter("b"));
        Assert.Equal(20, gate.Counter("c"));
        granted.Dispose();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task A_tenant_is_charged_its_prompt_at_admission_and_every_generated_token_by_the_end()
    {
        var gate = new FairAdmission(1, maxWaiting: 1);
        AdmissionSlot slot = await gate.EnterAsync("half", 0.5, 10, CancellationToken.None);
        Assert.Equal(20, gate.Counter("half"));
        slot.Served(3);
        Assert.Equal(26, gate.Counter("half"));
        // The engine generated 10 while 3 reached the client (it left): the other 7 are charged at release, once.
        slot.Release(10);
        slot.Release(10);
        Assert.Equal(40, gate.Counter("half"));
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task An_already_cancelled_request_is_refused_without_queueing()
    {
        var gate = new FairAdmission(1, maxWaiting: 10);
        using var held = await gate.EnterAsync("a", 1, 1, CancellationToken.None);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.EnterAsync("b", 1, 1, new CancellationToken(canceled: true)));
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task A_full_queue_refuses_with_503_and_retry_after()
    {
        var gate = new FairAdmission(1, maxWaiting: 1);
        using var held = await gate.EnterAsync("a", 1, 1, CancellationToken.None);
        _ = gate.EnterAsync("a", 1, 1, CancellationToken.None);
        OpenAiException full = Assert.Throws<OpenAiException>(() => { _ = gate.EnterAsync("b", 1, 1, CancellationToken.None); });
        Assert.Equal(503, full.Status);
        Assert.NotNull(full.RetryAfterSeconds);
    }

    [Fact]
    public async Task Unsaturated_nobody_waits()
    {
        var gate = new FairAdmission(Slots, maxWaiting: 0);
        var slots = Enumerable.Range(0, Slots).Select(i => gate.EnterAsync($"t{i % 2}", 1, 5, CancellationToken.None)).ToList();
        Assert.All(slots, s => Assert.True(s.IsCompletedSuccessfully));
        Assert.Equal(Slots, gate.Running);
        foreach (var s in slots) (await s).Dispose();
        Assert.Equal(0, gate.Running);
    }
}
