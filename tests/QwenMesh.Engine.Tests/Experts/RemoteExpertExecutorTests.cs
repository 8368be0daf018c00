using QwenMesh.Engine.Experts;
using QwenMesh.Engine.Tests.Support;
using QwenMesh.Model;
using QwenMesh.Model.State;
using static TorchSharp.torch;

namespace QwenMesh.Engine.Tests.Experts;

[Collection(TinyModelCollection.Name)]
public sealed class RemoteExpertExecutorTests(TinyModel tiny) : IDisposable
{
    static readonly int[] Prompt = [3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46, 26, 43, 38, 32, 79];
    readonly List<ExpertShard> _shards = [];
    readonly ManualClock _clock = new();

    (QwenModel Model, List<ShardChannel> Channels, ExpertLoad Load) Remote(int workers, int replicas)
    {
        var placement = ExpertPlacement.RoundRobin(tiny.Model.Config.NumExperts, workers, replicas);
        var channels = Enumerable.Range(0, workers).Select(w =>
        {
            var shard = ExpertShard.Load(tiny.Folder, ScalarType.Float32, placement.ExpertsOf(w));
            _shards.Add(shard);
            return new ShardChannel(shard);
        }).ToList();
        var load = new ExpertLoad(tiny.Model.Config.NumHiddenLayers, tiny.Model.Config.NumExperts);
        var executor = new RemoteExpertExecutor(placement, channels, load, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), _clock);
        return (QwenModel.Load(tiny.Folder, ScalarType.Float32, executor), channels, load);
    }

    static Tensor Logits(QwenModel model, int decodeSteps = 3)
    {
        using SequenceState state = model.NewState();
        var rows = new List<Tensor> { model.Prefill(state, Prompt, allLogits: true) };
        for (int i = 0; i < decodeSteps; i++) rows.Add(model.Decode([state], [7 + i]));
        return cat(rows, 0);
    }

    [Fact]
    public void Remote_experts_give_the_logits_of_in_process_experts()
    {
        using var scope = NewDisposeScope();
        var (model, channels, load) = Remote(workers: 3, replicas: 1);
        using (model)
        {
            float diff = (Logits(tiny.Model) - Logits(model)).abs().max().item<float>();
            Assert.True(diff <= 1e-5, $"remote experts differ by {diff}");
        }
        Assert.All(channels, c => Assert.True(c.Calls > 0));
        Assert.Equal((Prompt.Length + 3) * tiny.Model.Config.NumExpertsPerTok * tiny.Model.Config.NumHiddenLayers, load.PerExpert().Sum());
    }

    [Fact]
    public void With_two_replicas_a_dead_worker_changes_nothing()
    {
        using var scope = NewDisposeScope();
        var (model, channels, _) = Remote(workers: 3, replicas: 2);
        using (model)
        {
            channels[1].Down = true;
            float diff = (Logits(tiny.Model) - Logits(model)).abs().max().item<float>();
            Assert.True(diff <= 1e-5, $"failover changed the logits by {diff}");
        }
    }

    [Fact]
    public void Without_a_replica_the_step_fails_clearly_and_recovers_when_the_worker_is_back()
    {
        using var scope = NewDisposeScope();
        var (model, channels, _) = Remote(workers: 2, replicas: 1);
        using (model)
        {
            channels[0].Down = true;
            using SequenceState state = model.NewState();
            var e = Assert.Throws<ExpertUnavailableException>(() => model.Prefill(state, Prompt));
            Assert.Contains("no healthy expert worker", e.Message);

            channels[0].Down = false;
            _clock.Advance(TimeSpan.FromSeconds(3));   // past the unhealthy cool-down
            float diff = (Logits(tiny.Model) - Logits(model)).abs().max().item<float>();
            Assert.True(diff <= 1e-5);
        }
    }

    [Fact]
    public void A_worker_refuses_experts_it_does_not_hold()
    {
        using var shard = ExpertShard.Load(tiny.Folder, ScalarType.Float32, [0, 1]);
        using Tensor rows = zeros(2, tiny.Model.Config.HiddenSize);
        var e = Assert.Throws<ArgumentException>(() => shard.Compute(0, [5], [2], rows));
        Assert.Contains("expert 5 is not held", e.Message);
    }

    [Fact]
    public void Placements_spread_replicas_on_distinct_workers_and_carry_a_version()
    {
        var p = ExpertPlacement.RoundRobin(8, 3, 2);
        Assert.All(Enumerable.Range(0, 8), e => Assert.Equal(2, p.WorkersOf(e).Distinct().Count()));
        Assert.Equal(16, Enumerable.Range(0, 3).Sum(w => p.ExpertsOf(w).Count));
        Assert.Equal(p.Version, ExpertPlacement.RoundRobin(8, 3, 2).Version);
        Assert.NotEqual(p.Version, ExpertPlacement.RoundRobin(8, 3, 1).Version);
        Assert.Throws<ArgumentException>(() => ExpertPlacement.RoundRobin(8, 2, 3));
    }

    public void Dispose()
    {
        foreach (ExpertShard s in _shards) s.Dispose();
    }
}

public sealed class ExpertPlacementTests
{
    [Fact]
    public void A_balanced_placement_evens_out_a_skewed_load_and_replicates_hot_experts()
    {
        long[] load = [900, 10, 10, 10, 500, 10, 10, 10];   // experts 0 and 4 are hot
        var roundRobin = ExpertPlacement.RoundRobin(8, 2, 1);
        var balanced = ExpertPlacement.Balanced(load, workers: 2, replicas: 1, hotExperts: 1);
        Assert.True(balanced.WorkerLoad(load).Max() < roundRobin.WorkerLoad(load).Max(),
            $"balanced max {balanced.WorkerLoad(load).Max()} vs round-robin {roundRobin.WorkerLoad(load).Max()}");
        Assert.Equal(2, balanced.WorkersOf(0).Count);   // the hottest expert got a replica
        Assert.Single(balanced.WorkersOf(1));
        Assert.NotEqual(roundRobin.Version, balanced.Version);
    }

    [Fact]
    public void A_placement_file_round_trips_and_bad_files_are_refused()
    {
        string path = Path.GetTempFileName();
        try
        {
            var p = ExpertPlacement.RoundRobin(8, 3, 2);
            File.WriteAllText(path, p.ToJson());
            Assert.Equal(p.Version, ExpertPlacement.FromFile(path, 8).Version);
            Assert.Contains("places 8 experts", Assert.Throws<ArgumentException>(() => ExpertPlacement.FromFile(path, 16)).Message);
            File.WriteAllText(path, """{"workers":2,"experts":[[0],[5]]}""");
            Assert.Contains("outside", Assert.Throws<ArgumentException>(() => ExpertPlacement.FromFile(path, 2)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
