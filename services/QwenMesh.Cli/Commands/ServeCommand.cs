namespace QwenMesh.Cli.Commands;

/// <summary>`serve prefill|decode|expert-worker [host options]`: runs one service in this process (the local mesh starts its children so).</summary>
public static class ServeCommand
{
    public static int Run(string[] args)
    {
        if (args.Length < 2) throw new CliUsageException("serve needs a role: prefill, decode or expert-worker");
        string[] rest = args[2..];
        switch (args[1])
        {
            case "prefill":
                Prefill.PrefillHost.Build(rest).Run();
                return 0;
            case "decode":
                Decode.DecodeHost.Build(rest).Run();
                return 0;
            case "expert-worker":
                ExpertWorker.ExpertWorkerHost.Build(rest).Run();
                return 0;
            default:
                throw new CliUsageException($"unknown role '{args[1]}' (prefill, decode or expert-worker)");
        }
    }
}
