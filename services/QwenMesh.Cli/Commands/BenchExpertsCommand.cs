using System.Globalization;
using System.Text.Json;
using QwenMesh.Cli.Bench;
using QwenMesh.Cli.Mesh;
using QwenMesh.Engine.Experts;
using QwenMesh.Engine.State;
using QwenMesh.Hosting;
using QwenMesh.Model;
using QwenMesh.Model.Presets;
using static TorchSharp.torch;

namespace QwenMesh.Cli.Commands;

/// <summary>
/// `bench-experts`: decode throughput with the experts in this process against the same model with its experts on
/// expert-worker processes over loopback gRPC, at batch 1, 8 and 32; bytes moved per token and the time a layer
/// waits for its workers. The last line is one JSON object.
/// </summary>
public static class BenchExpertsCommand
{
    static readonly int[] Batches = [1, 8, 32];

    public static int Run(CliOptions o, TextWriter stdout, TextWriter stderr)
    {
        bool json = o.Flag("json");
        ModelPreset preset = ModelPreset.Named(o.String("preset") ?? "small");
        int workers = o.Int("workers", min: 1) ?? 2;
        int runs = o.Int("runs", min: 1) ?? 5;
        ScalarType dtype = CliDefaults.DType(o.String("dtype"), ScalarType.BFloat16);
        o.EnsureAllUsed();
        TextWriter log = json ? stderr : stdout;
        string folder = BenchModels.Hybrid(preset, log);
        string dtypeName = QwenMesh.Model.DTypeNames.Of(dtype);

        var local = new Dictionary<string, double>();
        using (QwenModel model = QwenModel.Load(folder, dtype))
        {
            var run = new BenchRunner(model, log);
            log.WriteLine("experts in process:");
            run.WarmUp();
            foreach (int b in Batches) local[Key(b)] = run.DecodeTokensPerSecond(b, runs);
        }

        var http = Enumerable.Range(0, workers).Select(_ => FreePorts.Next()).ToList();
        var urls = Enumerable.Range(0, workers).Select(_ => $"http://127.0.0.1:{FreePorts.Next()}").ToList();
        string secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var children = new List<ServiceProcess>();
        var remote = new Dictionary<string, double>();
        var layerMs = new Dictionary<string, double>();
        double bytesPerToken = 0;
        try
        {
            for (int i = 0; i < workers; i++)
            {
                children.Add(ServiceProcess.Start("expert-worker", i, $"http://127.0.0.1:{http[i]}", urls[i],
                    [$"--QwenMesh:HttpPort={http[i]}", $"--QwenMesh:GrpcPort={new Uri(urls[i]).Port}", $"--QwenMesh:Model={folder}", $"--QwenMesh:DType={dtypeName}",
                     $"--QwenMesh:WorkerIndex={i}", $"--QwenMesh:Workers={workers}"],
                    new Dictionary<string, string> { [MeshCredential.EnvironmentVariable] = secret }, TextWriter.Null));
            }
            foreach (ServiceProcess c in children) c.WaitReadyAsync(TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
            var options = new ServingOptions { Model = folder, ExpertWorkerUrls = string.Join(",", urls), MeshSecret = secret };
            var config = Model.Config.ModelConfig.Load(folder);
            RemoteExpertExecutor executor = ExpertHosting.RemoteExecutor(options, config, dtype, ModelFingerprint.Compute(folder))!;
            using QwenModel model = QwenModel.Load(folder, dtype, executor);
            var run = new BenchRunner(model, log);
            log.WriteLine($"experts on {workers} workers over loopback gRPC:");
            run.WarmUp();
            foreach (int b in Batches)
            {
                executor.Traffic.Reset();
                remote[Key(b)] = run.DecodeTokensPerSecond(b, runs);
                layerMs[Key(b)] = Math.Round(executor.Traffic.MeanLayerMs, 3);
                log.WriteLine($"    mean remote MoE layer round: {executor.Traffic.MeanLayerMs:F2} ms");
            }
            // Each token's hidden row goes to its k experts and comes back, in every MoE layer.
            bytesPerToken = 2.0 * config.NumExpertsPerTok * config.HiddenSize * (dtype == ScalarType.BFloat16 ? 2 : 4) * (config.NumHiddenLayers - config.DenseMlpLayers.Count);
        }
        finally
        {
            foreach (ServiceProcess c in children) c.Stop(TimeSpan.FromSeconds(10));
            foreach (ServiceProcess c in children) c.Dispose();
        }

        var result = new Dictionary<string, object>
        {
            ["preset"] = preset.Name,
            ["dtype"] = dtypeName,
            ["workers"] = workers,
            ["decode_tokens_per_s"] = new Dictionary<string, object> { ["in_process"] = local, ["remote"] = remote },
            // Inter-token latency of every sequence in a decode batch is one step.
            ["itl_ms"] = new Dictionary<string, object>
            {
                ["in_process"] = Batches.ToDictionary(b => Key(b), b => Math.Round(b * 1000 / local[Key(b)], 2)),
                ["remote"] = Batches.ToDictionary(b => Key(b), b => Math.Round(b * 1000 / remote[Key(b)], 2)),
            },
            ["remote_over_in_process"] = Batches.ToDictionary(b => Key(b), b => Math.Round(remote[Key(b)] / local[Key(b)], 3)),
            ["remote_moe_ms_per_layer"] = layerMs,
            ["expert_bytes_per_token"] = bytesPerToken,
        };
        stdout.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    static string Key(int n) => n.ToString(CultureInfo.InvariantCulture);
}
