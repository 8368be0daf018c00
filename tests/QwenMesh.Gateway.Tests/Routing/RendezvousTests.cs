using QwenMesh.Gateway.Routing;

namespace QwenMesh.Gateway.Tests.Routing;

public sealed class RendezvousTests
{
    static readonly string[] Sessions = [.. Enumerable.Range(0, 4000).Select(i => $"session-{i}")];

    static Dictionary<string, string> Assign(IReadOnlyList<string> pods) => Sessions.ToDictionary(s => s, s => pods[Rendezvous.Pick(s, pods)]);

    [Fact]
    public void Sessions_spread_evenly_over_the_pods()
    {
        string[] pods = ["http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080", "http://10.0.0.4:8080"];
        var counts = Assign(pods).GroupBy(a => a.Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Losing_a_pod_moves_only_its_own_sessions_and_adding_one_moves_only_what_it_takes()
    {
        string[] four = ["http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080", "http://10.0.0.4:8080"];
        var before = Assign(four);
        var after = Assign([.. four.Where(p => p != four[2])]);
        Assert.All(Sessions, s => Assert.True(before[s] == four[2] || after[s] == before[s], $"{s} moved off a pod that stayed"));

        var grown = Assign([.. four, "http://10.0.0.5:8080"]);
        var moved = Sessions.Where(s => grown[s] != before[s]).ToList();
        Assert.All(moved, s => Assert.Equal("http://10.0.0.5:8080", grown[s]));
        Assert.InRange(moved.Count, 600, 1000);   // about a fifth
    }

    [Fact]
    public void The_choice_does_not_depend_on_the_order_the_pods_are_listed_in()
    {
        string[] pods = ["http://a:1", "http://b:1", "http://c:1"];
        string[] reversed = [.. pods.Reverse()];
        Assert.All(Sessions.Take(500), s => Assert.Equal(pods[Rendezvous.Pick(s, pods)], reversed[Rendezvous.Pick(s, reversed)]));
    }
}
