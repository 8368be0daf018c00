using QwenMesh.ServiceDefaults;

namespace QwenMesh.Cli.Commands;

/// <summary>`serve gateway|prefill|decode|expert-worker|planner [host options]`: runs one service in this process (the local mesh starts its children so).</summary>
public static class ServeCommand
{
    public static int Run(string[] args)
    {
        if (args.Length < 2) throw new CliUsageException("serve needs a role: gateway, prefill, decode, expert-worker or planner");
        string[] rest = args[2..];
        switch (args[1])
        {
            case "gateway":
                return ServiceRunner.RunAsync(Gateway.GatewayHost.Role, () => Gateway.GatewayHost.Build(rest)).GetAwaiter().GetResult();
            case "prefill":
                return ServiceRunner.RunAsync(Prefill.PrefillHost.Role, () => Prefill.PrefillHost.Build(rest)).GetAwaiter().GetResult();
            case "decode":
                return ServiceRunner.RunAsync(Decode.DecodeHost.Role, () => Decode.DecodeHost.Build(rest)).GetAwaiter().GetResult();
            case "expert-worker":
                return ServiceRunner.RunAsync(ExpertWorker.ExpertWorkerHost.Role, () => ExpertWorker.ExpertWorkerHost.Build(rest)).GetAwaiter().GetResult();
            case "planner":
                return ServiceRunner.RunAsync(Planner.PlannerHost.Role, () => Planner.PlannerHost.Build(rest)).GetAwaiter().GetResult();
            default:
                throw new CliUsageException($"unknown role '{args[1]}' (gateway, prefill, decode, expert-worker or planner)");
        }
    }
}
