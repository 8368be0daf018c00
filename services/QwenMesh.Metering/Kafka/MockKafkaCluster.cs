using System.Runtime.InteropServices;

namespace QwenMesh.Metering.Kafka;

/// <summary>
/// A Kafka cluster inside this process: librdkafka's mock cluster, which listens on loopback ports and speaks the real
/// Kafka wire protocol (produce, fetch, metadata, consumer groups and committed offsets), so any client reads it: this
/// process's Confluent clients, kcat, a Java consumer. It exists for <c>up --kafka embedded</c> and for tests, where a
/// broker in a container or a JVM would cost seconds and a dependency. It is not a store: every partition keeps at
/// most about 5 MiB (librdkafka's mock log size) and drops its oldest messages beyond that, and everything is gone on
/// <see cref="Dispose"/>.
/// </summary>
/// <remarks>
/// librdkafka needs a client handle to own a mock cluster's book-keeping, so the cluster holds a producer handle that
/// never produces. The native library is the one Confluent.Kafka ships, found the way Confluent.Kafka finds it (see
/// <see cref="Native"/>), so the process holds one copy of librdkafka, not two.
/// </remarks>
public sealed class MockKafkaCluster : IDisposable
{
    /// <summary>
    /// How long the first member of a new consumer group waits for others before it is given partitions. The mock's
    /// default, like a real broker's, is 3 s; in one process with one reader per group that is pure delay.
    /// </summary>
    const int InitialRebalanceDelayMs = 100;

    readonly Lock _gate = new();
    IntPtr _handle;
    IntPtr _cluster;

    MockKafkaCluster(IntPtr handle, IntPtr cluster, string bootstrapServers)
    {
        _handle = handle;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>The brokers' addresses for a client's <c>bootstrap.servers</c>: <c>127.0.0.1:PORT[,...]</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers (ids 1..N) on free loopback ports.</summary>
    /// <exception cref="IOException">librdkafka could not make the client handle or the cluster.</exception>
    public static MockKafkaCluster Start(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        Native.Resolve();
        IntPtr conf = Native.rd_kafka_conf_new();
        var error = new byte[512];
        // The owning handle logs only errors: it has no brokers of its own to talk to, so anything else is noise.
        if (Native.rd_kafka_conf_set(conf, "log_level", "3", error, (UIntPtr)error.Length) != 0)
        {
            Native.rd_kafka_conf_destroy(conf);
            throw new IOException($"librdkafka: {Text(error)}");
        }
        IntPtr handle = Native.rd_kafka_new(Native.Producer, conf, error, (UIntPtr)error.Length);
        if (handle == IntPtr.Zero)
        {
            Native.rd_kafka_conf_destroy(conf);   // only a handle made from it takes the configuration over
            throw new IOException($"librdkafka could not create a client handle for the mock cluster: {Text(error)}");
        }
        IntPtr cluster = Native.rd_kafka_mock_cluster_new(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            Native.rd_kafka_destroy(handle);
            throw new IOException($"librdkafka could not start a mock cluster of {brokers} broker(s)");
        }
        Native.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, InitialRebalanceDelayMs);
        string bootstraps = Marshal.PtrToStringUTF8(Native.rd_kafka_mock_cluster_bootstraps(cluster)) ?? "";
        return new MockKafkaCluster(handle, cluster, bootstraps);
    }

    /// <summary>
    /// Creates <paramref name="topic"/>. Without it the cluster still creates a topic a client asks for by name (with
    /// the mock's default partition count), so this is for choosing the partitions.
    /// </summary>
    /// <exception cref="IOException">The cluster refused (the topic exists, a count is out of range).</exception>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        Check(Native.rd_kafka_mock_topic_create(Cluster(), topic, partitions, replicationFactor), $"create topic '{topic}'");
    }

    /// <summary>
    /// Takes broker <paramref name="brokerId"/> (1..N) off the network: its connections close and new ones are refused,
    /// while it keeps its partitions and leadership, as a broker whose host went away does.
    /// </summary>
    public void BrokerDown(int brokerId) => Check(Native.rd_kafka_mock_broker_set_down(Cluster(), brokerId), $"take broker {brokerId} down");

    /// <summary>Lets broker <paramref name="brokerId"/> accept connections again; clients reconnect on their own back-off.</summary>
    public void BrokerUp(int brokerId) => Check(Native.rd_kafka_mock_broker_set_up(Cluster(), brokerId), $"bring broker {brokerId} up");

    /// <summary>Stops the brokers (clients see connections refused) and frees the cluster and its handle.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_handle == IntPtr.Zero) return;
            Native.rd_kafka_mock_cluster_destroy(_cluster);
            Native.rd_kafka_destroy(_handle);
            _cluster = IntPtr.Zero;
            _handle = IntPtr.Zero;
        }
    }

    IntPtr Cluster()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
            return _cluster;
        }
    }

    static void Check(int error, string what)
    {
        if (error != 0) throw new IOException($"the mock Kafka cluster could not {what}: {Marshal.PtrToStringUTF8(Native.rd_kafka_err2str(error))}");
    }

    static string Text(byte[] nulTerminated)
    {
        int end = Array.IndexOf(nulTerminated, (byte)0);
        return System.Text.Encoding.UTF8.GetString(nulTerminated, 0, end < 0 ? nulTerminated.Length : end);
    }

    /// <summary>
    /// The few librdkafka entry points the mock cluster needs (rdkafka.h, rdkafka_mock.h). The package ships three
    /// Linux builds in runtimes/&lt;rid&gt;/native, all in the app's deps.json: the plain librdkafka.so needs
    /// libsasl2.so.3, which Debian and Ubuntu do not have (they ship .so.2), so loading it by name fails there; the
    /// centos8 build links everything but glibc, the alpine one is for musl. Confluent.Kafka falls back through the
    /// same names, so this resolver does too and ends up with the copy Confluent.Kafka already loaded.
    /// </summary>
    static class Native
    {
        const string Library = "librdkafka";

        static readonly string[] Builds = [Library, "centos8-librdkafka", "alpine-librdkafka"];

        static Native() => NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, (name, assembly, searchPath) =>
        {
            if (name != Library) return IntPtr.Zero;
            foreach (string build in Builds)
            {
                if (NativeLibrary.TryLoad(build, assembly, searchPath, out IntPtr handle)) return handle;
            }
            throw new DllNotFoundException($"none of the librdkafka builds ({string.Join(", ", Builds)}) loads on this machine");
        });

        /// <summary>Registers the resolver (the static constructor) before the first call into librdkafka.</summary>
        public static void Resolve()
        {
        }

        /// <summary><c>RD_KAFKA_PRODUCER</c> of <c>rd_kafka_type_t</c>.</summary>
        public const int Producer = 0;

        [DllImport(Library)] public static extern IntPtr rd_kafka_conf_new();

        [DllImport(Library)] public static extern void rd_kafka_conf_destroy(IntPtr conf);

        [DllImport(Library)]
        public static extern int rd_kafka_conf_set(IntPtr conf, [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string value, byte[] errstr, UIntPtr errstrSize);

        [DllImport(Library)] public static extern IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

        [DllImport(Library)] public static extern void rd_kafka_destroy(IntPtr rk);

        [DllImport(Library)] public static extern IntPtr rd_kafka_err2str(int err);

        [DllImport(Library)] public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

        [DllImport(Library)] public static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);

        [DllImport(Library)] public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_topic_create(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic,
            int partitions, int replicationFactor);

        [DllImport(Library)] public static extern int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

        [DllImport(Library)] public static extern int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

        [DllImport(Library)] public static extern void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);
    }
}
