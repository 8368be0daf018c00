using QwenMesh.Text.Templates;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>
/// Tool definitions, tool calls and tool results through the Qwen3 chat template. Expected prompts were worked out by
/// hand from the template text in tokenizer_config.json (with Python Jinja's semantics), and the engine renders it.
/// </summary>
public sealed class Qwen3TemplateToolTests
{
    private const string WeatherTool =
        """{"type":"function","function":{"name":"get_weather","description":"Get the weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name, e.g. 東京"}},"required":["city"]}}}""";

    private const string WeatherToolAsTojson =
        """{"type": "function", "function": {"name": "get_weather", "description": "Get the weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name, e.g. 東京"}}, "required": ["city"]}}}""";

    private const string ToolsIntro =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";

    private const string ToolsOutro =
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
        + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    [Fact]
    public void Tools_are_listed_inside_the_system_turn()
    {
        string prompt = QwenChat.Render(
            [QwenChat.System("You are a weather bot."), QwenChat.User("Weather in Paris?")],
            tools: [WeatherTool],
            addGenerationPrompt: true);
        Assert.Equal(
            "<|im_start|>system\nYou are a weather bot.\n\n" + ToolsIntro + "\n" + WeatherToolAsTojson + ToolsOutro
            + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\n",
            prompt);
    }

    [Fact]
    public void An_empty_tool_list_renders_like_no_tools()
    {
        System.Text.Json.Nodes.JsonObject[] messages = [QwenChat.System("S"), QwenChat.User("Q")];
        Assert.Equal(QwenChat.Render(messages), QwenChat.Render(messages, tools: []));
    }

    [Fact]
    public void A_multi_step_tool_exchange()
    {
        string prompt = QwenChat.Render(
            [
                QwenChat.User("Weather in Paris and Rome?"),
                QwenChat.Assistant(
                    "<think>\nNeed two calls.\n</think>\n\nLet me check.",
                    toolCalls:
                    [
                        new QwenChat.Call("get_weather", "{\"city\": \"Paris\"}"),
                        new QwenChat.Call("get_weather", """{"city":"Rome"}"""),
                    ]),
                QwenChat.Tool("{\"temp\": 18}"),
                QwenChat.Tool("{\"temp\": 21}"),
                QwenChat.Assistant("Paris 18°C, Rome 21°C.", reasoningContent: "Both fetched."),
            ],
            tools: [WeatherTool, """{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}"""]);
        Assert.Equal(
            "<|im_start|>system\n" + ToolsIntro + "\n" + WeatherToolAsTojson
            + "\n{\"type\": \"function\", \"function\": {\"name\": \"get_time\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}"
            + ToolsOutro
            + "<|im_start|>user\nWeather in Paris and Rome?<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\nNeed two calls.\n</think>\n\nLet me check.\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n{\"temp\": 18}\n</tool_response>\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n<think>\nBoth fetched.\n</think>\n\nParis 18°C, Rome 21°C.<|im_end|>\n",
            prompt);
    }

    [Fact]
    public void A_call_without_content_a_late_system_message_and_no_user_query()
    {
        string prompt = QwenChat.Render(
        [
            QwenChat.Assistant(null, toolCalls: [new QwenChat.Call("f", """{"x":[1,2.0],"s":"é"}""")]),
            QwenChat.System("Mid-conversation note."),
            QwenChat.Tool("ok"),
        ]);
        Assert.Equal(
            "<|im_start|>assistant\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": [1, 2.0], \"s\": \"é\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>system\nMid-conversation note.<|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\nok\n</tool_response><|im_end|>\n",
            prompt);
    }

    [Fact]
    public void Arguments_that_are_not_a_json_object_are_refused_naming_the_field()
    {
        var error = Assert.Throws<ChatInputException>(() => QwenChat.Render(
            [QwenChat.User("Q"), QwenChat.Assistant("", toolCalls: [new QwenChat.Call("f", "[1, 2]")])]));
        Assert.Equal("messages[1].tool_calls[0].function.arguments", error.Field);
        Assert.Contains("must be a JSON object", error.Message);
        error = Assert.Throws<ChatInputException>(() => QwenChat.Render(
            [QwenChat.User("Q"), QwenChat.Assistant("", toolCalls: [new QwenChat.Call("f", "{not json")])]));
        Assert.Contains("is not valid JSON", error.Message);
    }
}
