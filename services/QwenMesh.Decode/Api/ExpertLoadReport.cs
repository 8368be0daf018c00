using QwenMesh.Decode.OpenAi;
using QwenMesh.Engine.Experts;

namespace QwenMesh.Decode.Api;

/// <summary>
/// GET /experts/load: tokens routed per expert per layer by this process, the placement in use, and a placement
/// fitted to that load (hot experts replicated), ready to save as a placement file for the next rollout.
/// </summary>
public static class ExpertLoadReport
{
    public static IResult Build(RemoteExpertExecutor? executor)
    {
        if (executor is null)
            return Results.Text(System.Text.Encoding.UTF8.GetString(
                OpenAiException.NotFound("experts run in this process: there is no expert placement to report").ToErrorBody()),
                "application/json", statusCode: 404);
        ExpertLoad load = executor.Load;
        long[] perExpert = load.PerExpert();
        ExpertPlacement current = executor.Placement;
        int replicas = Enumerable.Range(0, current.Experts).Min(e => current.WorkersOf(e).Count);
        ExpertPlacement suggested = ExpertPlacement.Balanced(perExpert, current.Workers, replicas, hotExperts: Math.Max(1, current.Experts / 8));
        return Results.Json(new
        {
            placement_version = current.Version,
            per_layer = Enumerable.Range(0, load.Layers).Select(l => Enumerable.Range(0, load.Experts).Select(e => load.Tokens(l, e)).ToArray()).ToArray(),
            per_expert = perExpert,
            worker_load = current.WorkerLoad(perExpert),
            suggested = new
            {
                version = suggested.Version,
                worker_load = suggested.WorkerLoad(perExpert),
                placement = System.Text.Json.JsonDocument.Parse(suggested.ToJson()).RootElement,
            },
        });
    }
}
