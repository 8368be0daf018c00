using QwenMesh.Cli.Commands;
using QwenMesh.Model;
using QwenMesh.Text;

namespace QwenMesh.Cli;

/// <summary>The `qwenmesh` command line: dispatches a verb and turns every failure into one stderr line and an exit code.</summary>
public static class CliApp
{
    public const int ExitError = 1;
    public const int ExitUsage = 2;

    const string Usage = """
        usage: qwenmesh <command> [options]
          make-model --out DIR [--preset tiny|small|bench] [--layout qwen3_5|qwen3_next] [--dense] [--no-mtp] [--vocab N] [--dtype f32|bf16] [--seed S] [--shards N]
          logits     --model DIR --tokens 1,2,3 [--prefill N] [--dtype float32|bfloat16]
          generate   [--model DIR] (--prompt TEXT [--chat] | --tokens ids) --max-tokens N [--temperature T] [--top-k K] [--top-p P] [--seed S] [--dtype D] [--json]
          tokenize   --model DIR --text TEXT
          chat-template --model DIR --request FILE|-
          bench      [--json] [--dtype bfloat16|float32] [--preset bench] [--runs N]
          bench-experts [--json] [--preset small|bench] [--workers N] [--dtype D] [--runs N]
          bench-gateway [--json] [--redis HOST:PORT] [--requests N]
          bench-grammar [--json] [--preset small|bench] [--dtype D] [--runs N] [--tokens N]
          bench-usage [--json] [--kafka HOST:PORT] [--events N] [--rate R] [--seconds S]
          up         --port P [--model DIR] [--redis HOST:PORT] [--prefill-workers N] [--decode-workers N]
                     [--expert-workers N [--expert-replicas R]] [--dtype D]
                     [--gateway-replicas N] [--admin-key KEY] [--tenants FILE]
                     [--kafka HOST:PORT[,HOST:PORT]|embedded] [--outbox DIR]
          soak       [--minutes M] [--concurrency N] [--max-tokens T] [--sample-s S] [--port P] [--up-args "..."]
          usage      (--kafka HOST:PORT[,HOST:PORT] [--topic T] [--group G] [--from-beginning] [--state FILE] | --outbox DIR) [--json] [--timeout-s S]
          plan       (--simulate [--trace bursts|drop-to-zero|diurnal|hot-expert|flash-crowd|all] [--seed S] [--timeline CSV] | --prometheus URL [--namespace NS] [--serve [--port P] [--bind IP]])
                     [--calibration FILE] [--ttft-s S] [--itl-s S] [--headroom B] [--scale-down-window-s S] [--json]
          probe      [--url URL] [--timeout-s S]
          serve      gateway|prefill|decode|expert-worker|planner [--QwenMesh:Model=DIR ...]
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? ExitUsage : 0;
        }
        try
        {
            // `serve` hands its arguments to the ASP.NET host untouched.
            if (args[0] == "serve") return ServeCommand.Run(args);
            var options = CliOptions.Parse(args.Skip(1));
            int code = args[0] switch
            {
                "make-model" => MakeModelCommand.Run(options, stdout),
                "logits" => LogitsCommand.Run(options, stdout),
                "generate" => GenerateCommand.Run(options, stdout, stderr),
                "tokenize" => TokenizeCommand.Run(options, stdout),
                "chat-template" => ChatTemplateCommand.Run(options, stdout, Console.In),
                "bench" => BenchCommand.Run(options, stdout, stderr),
                "up" => UpCommand.Run(options, stdout, stderr),
                "bench-experts" => BenchExpertsCommand.Run(options, stdout, stderr),
                "bench-grammar" => BenchGrammarCommand.Run(options, stdout, stderr),
                "bench-gateway" => BenchGatewayCommand.Run(options, stdout, stderr),
                "bench-usage" => BenchUsageCommand.Run(options, stdout, stderr),
                "soak" => SoakCommand.Run(options, stdout, stderr),
                "usage" => UsageCommand.Run(options, stdout, stderr),
                "plan" => PlanCommand.Run(options, stdout, stderr),
                "probe" => ProbeCommand.Run(options, stdout, stderr),

                _ => throw new CliUsageException($"unknown command '{args[0]}' (make-model, logits, generate, tokenize, chat-template, bench, bench-experts, bench-gateway, bench-grammar, bench-usage, up, soak, usage, plan, probe, serve)"),
            };
            return code;
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine($"qwenmesh: {e.Message}");
            return ExitUsage;
        }
        catch (Exception e) when (e is ModelFormatException or ArgumentException or IOException or UnauthorizedAccessException
                                       or InvalidDataException or FormatException)
        {
            stderr.WriteLine($"qwenmesh: {e.Message}");
            return ExitError;
        }
    }
}

/// <summary>A command line that cannot be understood (unknown flag, missing value); exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
