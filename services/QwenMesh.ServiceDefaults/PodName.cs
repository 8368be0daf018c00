using Microsoft.Extensions.Configuration;

namespace QwenMesh.ServiceDefaults;

/// <summary>
/// The name this process goes by in usage events and the request log: <c>QwenMesh:Pod</c> when given (`up` names its
/// children decode-0, prefill-1, ...), else Kubernetes' pod name (<c>POD_NAME</c> from the downward API, or the
/// <c>HOSTNAME</c> a pod has by default), else the machine's name.
/// </summary>
public static class PodName
{
    public const string Key = "QwenMesh:Pod";

    public static string Of(IConfiguration configuration) =>
        configuration[Key] is { Length: > 0 } given ? given
        : Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod
        : Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } host ? host
        : Environment.MachineName;
}
