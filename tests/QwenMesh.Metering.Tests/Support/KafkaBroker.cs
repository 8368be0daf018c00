using DotNet.Testcontainers.Builders;
using QwenMesh.Metering.Kafka;
using Testcontainers.Kafka;

namespace QwenMesh.Metering.Tests.Support;

/// <summary>
/// A real Kafka for delivery tests: a Testcontainers broker where a Docker daemon answers, otherwise librdkafka's mock
/// cluster in this process (the same wire protocol). <see cref="How"/> says which ran; neither is a silent pass.
/// Outages are simulated on the mock cluster only (<see cref="Mock"/>), through its broker down/up API.
/// </summary>
public sealed class KafkaBroker : IAsyncLifetime
{
    KafkaContainer? _container;

    public string BootstrapServers { get; private set; } = "";
    public string How { get; private set; } = "";

    /// <summary>The mock cluster when no Docker daemon answered; null on a real broker.</summary>
    public MockKafkaCluster? Mock { get; private set; }

    public async Task InitializeAsync()
    {
        if (await TryContainerAsync()) return;
        Mock = MockKafkaCluster.Start();
        Mock.CreateTopic(UsageTopic.Default, partitions: 3);
        BootstrapServers = Mock.BootstrapServers;
        How = "librdkafka mock cluster";
    }

    async Task<bool> TryContainerAsync()
    {
        if (!File.Exists("/var/run/docker.sock") && Environment.GetEnvironmentVariable("DOCKER_HOST") is null) return false;
        try
        {
            _container = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
            await _container.StartAsync();
            BootstrapServers = _container.GetBootstrapAddress();
            How = "testcontainers";
            return true;
        }
        catch (DockerUnavailableException)
        {
            _container = null;
            return false;   // a socket without a daemon: fall back to the mock cluster
        }
    }

    public async Task DisposeAsync()
    {
        Mock?.Dispose();
        if (_container is not null) await _container.DisposeAsync();
    }
}
