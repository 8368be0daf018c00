namespace QwenMesh.Cli.Mesh;

/// <summary>
/// Keeps every child of the local mesh running: a child that exits is started again with the same arguments after a
/// back-off (1 s, doubling to 30 s, reset once a run has lasted a minute), with one line per restart, while the rest
/// of the mesh keeps serving on the survivors.
/// </summary>
public sealed class Supervisor(TextWriter stdout, TextWriter stderr, TimeSpan startTimeout)
{
    static readonly TimeSpan FirstBackOff = TimeSpan.FromSeconds(1);
    static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(30);
    static readonly TimeSpan StableRun = TimeSpan.FromMinutes(1);

    readonly List<ServiceProcess> _children = [];
    readonly List<Task> _watchers = [];

    public IReadOnlyList<ServiceProcess> Children { get { lock (_children) return _children.ToList(); } }

    /// <summary>The start line tools parse: `started ROLE I pid=N url=HTTP [grpc=URL]`.</summary>
    public static string StartLine(ServiceProcess child) =>
        $"started {child.Role} {child.Index} pid={child.Pid} url={child.Url}" + (child.GrpcUrl is { } grpc ? $" grpc={grpc}" : "");

    public void Add(ServiceProcess child)
    {
        lock (_children) _children.Add(child);
    }

    /// <summary>Announces a child once it is ready.</summary>
    public void Announce(ServiceProcess child)
    {
        lock (stdout)
        {
            stdout.WriteLine(StartLine(child));
            stdout.Flush();
        }
    }

    /// <summary>Starts watching every child; returns at once.</summary>
    public void Watch(CancellationToken stop)
    {
        foreach (ServiceProcess child in Children) _watchers.Add(Task.Run(() => KeepRunningAsync(child, stop)));
    }

    async Task KeepRunningAsync(ServiceProcess child, CancellationToken stop)
    {
        TimeSpan backOff = FirstBackOff;
        DateTime started = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            await child.Exited.WaitAsync(stop);
            if (DateTime.UtcNow - started > StableRun) backOff = FirstBackOff;
            Line($"qwenmesh: {child.Role} {child.Index} exited with code {child.ExitCode}; restarting it in {backOff.TotalSeconds:F0} s");
            await Task.Delay(backOff, stop);
            backOff = TimeSpan.FromTicks(Math.Min(MaxBackOff.Ticks, backOff.Ticks * 2));
            ServiceProcess next = child.Restart(stderr);
            lock (_children) _children[_children.IndexOf(child)] = next;
            child.Dispose();
            child = next;
            started = DateTime.UtcNow;
            try
            {
                await child.WaitReadyAsync(startTimeout).WaitAsync(stop);
                Announce(child);
            }
            catch (Exception e) when (e is TimeoutException or IOException)
            {
                Line($"qwenmesh: {child.Role} {child.Index} did not come back: {e.Message}");
            }
        }
    }

    void Line(string text)
    {
        lock (stderr)
        {
            stderr.WriteLine(text);
            stderr.Flush();
        }
    }

    /// <summary>Stops watching, then stops every child (SIGTERM, then kill after the grace period).</summary>
    public void StopAll(TimeSpan grace)
    {
        try
        {
            Task.WhenAll(_watchers).Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Watchers end with the stop token.
        }
        foreach (ServiceProcess child in Children) child.Stop(grace);
        foreach (ServiceProcess child in Children) child.Dispose();
    }
}
