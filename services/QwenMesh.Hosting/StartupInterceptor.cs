using Grpc.Core;
using Grpc.Core.Interceptors;
using QwenMesh.ServiceDefaults.Startup;

namespace QwenMesh.Hosting;

/// <summary>Answers internal calls with Unavailable while start-up runs, so callers try another worker instead of waiting on a loading one.</summary>
public sealed class StartupInterceptor(StartupGate gate) : Interceptor
{
    void Check()
    {
        if (!gate.IsOpen) throw new RpcException(new Status(StatusCode.Unavailable, $"starting ({gate.Stage})"));
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check();
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check();
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check();
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check();
        return continuation(requestStream, responseStream, context);
    }
}
