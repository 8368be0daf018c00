using QwenMesh.Decode.OpenAi;
using QwenMesh.Text.Grammar;
using QwenMesh.Text.ToolCalls;
using QwenMesh.Text.Tokenization;

namespace QwenMesh.Decode.Completions;

/// <summary>
/// What a chat request constrains its answer to, as a per-sequence <see cref="GrammarConstraint"/>: the tool calls of
/// tool_choice "required" or a named function (in the model's tool-call format), the JSON of response_format, and the
/// reasoning budget. The vocabulary's index is built on the first constrained request and shared by all.
/// </summary>
public sealed class AnswerConstraints(ITokenizer tokenizer, ToolCallFormat toolCalls, IReadOnlySet<int> stopTokens, int? defaultThinkingBudget)
{
    readonly Lazy<TokenTrie> _trie = new(() => new TokenTrie(tokenizer));

    /// <summary>The request's constraint, or null when nothing constrains it; an answer the server cannot constrain is a 400.</summary>
    public GrammarConstraint? For(ChatCompletionRequest request, ConversationPrompt prompt)
    {
        GrammarNode? answer = Answer(request);
        int? budget = request.ThinkingBudget ?? defaultThinkingBudget;
        if (answer is null && (budget is null || prompt.Reasoning == ReasoningStart.Closed)) return null;
        return new GrammarConstraint(_trie.Value, answer, stopTokens, prompt.Reasoning, budget);
    }

    GrammarNode? Answer(ChatCompletionRequest request)
    {
        ToolChoice choice = request.ToolChoice;
        if (choice.Mode is ToolChoiceMode.Required or ToolChoiceMode.Function)
        {
            if (toolCalls == ToolCallFormat.None)
            {
                throw RequestErrors.UnsupportedValue("tool_choice",
                    "The model's chat template shows no tool-call format, so a tool call cannot be required; use 'auto' or set QwenMesh:ToolCallParser.");
            }
            return Calls(request, choice.Function, choice.Mode == ToolChoiceMode.Required && choice.Parallel);
        }
        GrammarNode? json = Json(request.ResponseFormat);
        // With tools on offer the model may still call one instead of answering in the format.
        if (json is not null && choice.Mode == ToolChoiceMode.Auto && toolCalls != ToolCallFormat.None && request.Conversation.Tools is { Count: > 0 })
        {
            return new ChoiceNode(json, Calls(request, null, choice.Parallel));
        }
        return json;
    }

    GrammarNode Calls(ChatCompletionRequest request, string? function, bool parallel)
    {
        try
        {
            return ToolCallGrammar.For(toolCalls, request.Conversation.Tools!, function, parallel);
        }
        catch (SchemaException e)
        {
            throw Refused(e.Path, e.Message);
        }
    }

    static GrammarNode? Json(ResponseFormat format)
    {
        if (format.Kind == ResponseFormatKind.Text) return null;
        if (format.Schema is not { } schema) return JsonGrammar.AnyObject();
        try
        {
            return JsonGrammar.FromSchema(schema);
        }
        catch (SchemaException e)
        {
            throw Refused(e.Path.Length == 0 ? ResponseFormat.SchemaParam : $"{ResponseFormat.SchemaParam}.{e.Path}", e.Message);
        }
    }

    static OpenAiException Refused(string param, string reason) =>
        OpenAiException.BadRequest($"Invalid schema for '{param}': {reason}.", param, "invalid_value");
}
