using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace QwenMesh.Hosting;

/// <summary>
/// The ports of a service process: HTTP/1.1 on QwenMesh:HttpPort (the OpenAI API or /health), and gRPC with prior
/// knowledge (h2c, so HTTP/2 only) on QwenMesh:GrpcPort when the process serves gRPC.
/// </summary>
public static class ServingEndpoints
{
    public static void Listen(WebApplicationBuilder builder, ServingOptions options)
    {
        IPAddress bind = IPAddress.TryParse(options.Bind, out IPAddress? address)
            ? address
            : throw new InvalidOperationException($"QwenMesh:Bind must be an IP address, got '{options.Bind}'");
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(bind, options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            if (options.GrpcPort > 0) k.Listen(bind, options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
        });
    }
}
