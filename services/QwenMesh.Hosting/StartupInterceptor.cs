using Grpc.Core;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Hosting;

/// <summary>Answers internal calls with Unavailable while start-up runs, so callers try another worker instead of waiting on a loading one.</summary>
public sealed class StartupInterceptor(StartupGate gate) : CallCheckInterceptor
{
    protected override void Check(ServerCallContext context)
    {
        if (!gate.IsOpen) throw new RpcException(new Status(StatusCode.Unavailable, $"starting ({gate.Stage})"));
    }
}
