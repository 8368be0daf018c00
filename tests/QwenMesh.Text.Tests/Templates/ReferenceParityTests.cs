using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenMesh.Text.Templates;
using Xunit.Abstractions;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>
/// Real templates times every conversation, with and without the generation prompt, thinking unset, off and on:
/// wherever @huggingface/jinja renders a case, the engine renders the same bytes.
/// </summary>
public sealed class ReferenceParityTests(ITestOutputHelper output)
{
    private static readonly JsonObject?[] KwargVariants =
    [
        null,
        new JsonObject { ["enable_thinking"] = false },
        new JsonObject { ["enable_thinking"] = true },
    ];

    [Fact]
    public void The_templates_npm_tokenizers_ship_render_as_the_reference_does() =>
        AssertParity(TemplateCorpus.FromNpm(), minimumTemplates: 7);

    [SharedTemplatesFact]
    public void The_shared_templates_render_as_the_reference_does() =>
        AssertParity(TemplateCorpus.FromShared(), minimumTemplates: 10);

    private void AssertParity(IReadOnlyList<TemplateCorpus.Entry> templates, int minimumTemplates)
    {
        Assert.True(templates.Count >= minimumTemplates, $"expected at least {minimumTemplates} templates, found {templates.Count}");
        var cases = new List<(TemplateCorpus.Entry Template, string Conversation, JsonObject Case)>();
        foreach (TemplateCorpus.Entry template in templates)
        {
            foreach ((string name, JsonArray messages, JsonArray? tools) in Conversations.All)
            {
                // A conversation the engine refuses to give this template (images to a text-only one) is not compared.
                if (Prepared(template, messages, tools is not null) is not JsonArray prepared) continue;
                foreach (bool generationPrompt in new[] { true, false })
                {
                    foreach (JsonObject? kwargs in KwargVariants)
                    {
                        cases.Add((template, $"{name}, add_generation_prompt={generationPrompt}, kwargs={kwargs?.ToJsonString() ?? "none"}", new JsonObject
                        {
                            ["template"] = template.Source,
                            ["raw_messages"] = messages.DeepClone(),
                            ["messages"] = prepared.DeepClone(),
                            ["tools"] = tools?.DeepClone(),
                            ["add_generation_prompt"] = generationPrompt,
                            ["kwargs"] = kwargs?.DeepClone(),
                            ["bos_token"] = template.BosToken,
                            ["eos_token"] = template.EosToken,
                        }));
                    }
                }
            }
        }

        IReadOnlyList<(string? Text, string? Error)> expected = ReferenceRenderer.Render(cases.Select(c => c.Case).ToList());
        var compared = new Dictionary<string, int>();
        var mismatches = new List<string>();
        for (int i = 0; i < cases.Count; i++)
        {
            (TemplateCorpus.Entry template, string conversation, JsonObject c) = cases[i];
            compared.TryAdd(template.Name, 0);
            // A reference output with a JavaScript object's internals in it ("[object Map]") is the reference failing.
            if (expected[i].Text is not string reference || reference.Contains("[object ", StringComparison.Ordinal))
            {
                continue;
            }
            compared[template.Name]++;
            string? actual;
            try
            {
                actual = Render(template, c);
            }
            catch (Exception e) when (e is TemplateException or ChatInputException)
            {
                mismatches.Add($"{template.Name} / {conversation}: the reference renders, the engine fails: {e.Message}");
                continue;
            }
            if (actual != reference)
            {
                mismatches.Add($"{template.Name} / {conversation}: {FirstDifference(reference, actual)}");
            }
        }

        foreach ((string name, int count) in compared)
        {
            output.WriteLine($"{name}: {count} cases compared");
        }
        Assert.All(compared, pair => Assert.True(pair.Value >= 6, $"{pair.Key}: only {pair.Value} cases rendered by the reference"));
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cases.Count} cases differ:\n" + string.Join("\n",
            mismatches.GroupBy(m => m[..m.IndexOf(" / ", StringComparison.Ordinal)]).SelectMany(g => g.Take(4))));
    }

    private static string Render(TemplateCorpus.Entry template, JsonObject c)
    {
        ChatTemplate parsed = ChatTemplate.Parse(template.Source, template.BosToken, template.EosToken);
        var messages = JsonSerializer.SerializeToElement(c["raw_messages"]).EnumerateArray().ToList();
        List<JsonElement>? tools = c["tools"] is JsonArray t ? JsonSerializer.SerializeToElement(t).EnumerateArray().ToList() : null;
        var kwargs = c["kwargs"] is JsonObject k
            ? JsonSerializer.SerializeToElement(k).EnumerateObject().ToDictionary(p => p.Name, p => p.Value)
            : null;
        return parsed.Render(new ChatTemplateInputs(messages, tools, c["add_generation_prompt"]!.GetValue<bool>(), kwargs));
    }

    // What the template receives; the reference renders these same messages, so the engine alone is compared.
    private static JsonArray? Prepared(TemplateCorpus.Entry template, JsonArray messages, bool withTools)
    {
        try
        {
            return ChatTemplate.Parse(template.Source).PrepareMessages(JsonSerializer.SerializeToElement(messages).EnumerateArray().ToList(), withTools);
        }
        catch (ChatInputException)
        {
            return null;
        }
    }

    internal static string FirstDifference(string expected, string actual)
    {
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        static string Show(string s, int at) => JsonSerializer.Serialize(s.Substring(Math.Max(0, at - 40), Math.Min(s.Length, at + 40) - Math.Max(0, at - 40)));
        return new StringBuilder()
            .Append($"first difference at {at} (lengths {expected.Length} vs {actual.Length}); ")
            .Append($"reference {Show(expected, at)}, engine {Show(actual, at)}")
            .ToString();
    }
}
