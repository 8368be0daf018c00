using QwenMesh.Decode.Completions;
using QwenMesh.Decode.Ledger;
using QwenMesh.Decode.OpenAi;
using QwenMesh.Decode.Tenancy;
using QwenMesh.Hosting;

namespace QwenMesh.Decode.Api;

/// <summary>
/// What a chat request (from /v1/chat/completions or /v1/responses) becomes before it runs: the prompt through the
/// model's template (its size reported at once), the verified tenant, the budget (shared by the choices), one
/// constraint per choice, and the plan, described to the usage meter.
/// </summary>
public sealed record ChatPlanning(ConversationPrompt Prompt, CompletionPlan Plan, string? Session)
{
    /// <param name="limitParam">The field a budget error names when the client set a limit (max_tokens, max_output_tokens).</param>
    /// <param name="promptParam">The field a budget error names when it did not (messages, input).</param>
    public static ChatPlanning Of(HttpContext http, ServedModel served, ChatCompletionRequest request, string limitParam, string promptParam)
    {
        served.Check(request.Model);
        string? session = ServedModel.Session(http.Request);
        ConversationPrompt prompt = served.RenderChat(request.Conversation, http.RequestAborted);
        ServedModel.PromptTokens(http.Response, prompt.Tokens.Count);
        RequestIdentity identity = TenantIdentity.Of(http);
        GenerationOptions o = request.Options;
        int budget = served.Budget(prompt.Tokens.Count, request.MaxTokens, request.MaxTokens is null ? promptParam : limitParam, identity.Budget, o.N);
        // Each choice has its own constraint (a grammar follows one sequence).
        var constraints = Enumerable.Range(0, o.N).Select(_ => served.Constraint(request, prompt)).ToList();
        var plan = new CompletionPlan(identity.Tenant, identity.Weight, prompt.Tokens, o.Sampling(), budget, served.StopTokensFor(o), session,
            session is null ? 0 : prompt.CheckpointAt, constraints.Any(c => c is not null) ? constraints : null, o.N);
        UsageMeter.Of(http)?.Describe(string.IsNullOrEmpty(request.Model) ? served.Name : request.Model, session, identity, o.User);
        return new ChatPlanning(prompt, plan, session);
    }
}
