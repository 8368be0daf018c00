using System.Text.Json;
using System.Text.Json.Nodes;
using QwenMesh.Text.Templates;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>Where a model folder's template comes from, and what a broken or missing one does.</summary>
public sealed class ChatTemplateLoadingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "qwenmesh-tests", Guid.NewGuid().ToString("N"));

    public ChatTemplateLoadingTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Config(JsonNode? chatTemplate, string? bos = "<s>")
    {
        var config = new JsonObject { ["bos_token"] = bos, ["eos_token"] = new JsonObject { ["content"] = "</s>" } };
        if (chatTemplate is not null) config["chat_template"] = chatTemplate;
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), config.ToJsonString());
    }

    private static ChatTemplateInputs Hello(bool tools = false) => new(
        [JsonSerializer.SerializeToElement(new { role = "user", content = "hi" })],
        tools ? [JsonSerializer.SerializeToElement(new { type = "function", function = new { name = "f" } })] : null);

    [Fact]
    public void The_config_template_gets_the_special_tokens_of_the_config()
    {
        Config("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}");
        Assert.Equal("<s>hi</s>", ChatTemplate.Load(_folder).Render(Hello()));
    }

    [Fact]
    public void Chat_template_jinja_wins_over_the_config()
    {
        Config("config");
        File.WriteAllText(Path.Combine(_folder, "chat_template.jinja"), "file {{ messages | length }}\n");
        Assert.Equal("file 1", ChatTemplate.Load(_folder).Render(Hello()));
    }

    [Fact]
    public void Named_templates_use_tool_use_for_requests_with_tools()
    {
        Config(JsonNode.Parse("""[{"name": "default", "template": "plain"}, {"name": "tool_use", "template": "tools={{ tools | length }}"}]"""));
        ChatTemplate template = ChatTemplate.Load(_folder);
        Assert.Equal("plain", template.Render(Hello()));
        Assert.Equal("tools=1", template.Render(Hello(tools: true)));
    }

    [Fact]
    public void A_template_that_does_not_parse_stops_loading_naming_the_file_and_line()
    {
        Config("ok\n{% for m in messages %}");
        var error = Assert.Throws<ModelFormatException>(() => ChatTemplate.Load(_folder));
        Assert.Contains("tokenizer_config.json", error.Message);
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void A_template_that_fails_on_a_plain_conversation_stops_loading()
    {
        Config("{{ messages | no_such_filter }}");
        var error = Assert.Throws<ModelFormatException>(() => ChatTemplate.Load(_folder));
        Assert.Contains("no filter named 'no_such_filter'", error.Message);
    }

    [Fact]
    public void A_folder_without_a_template_has_none()
    {
        Config(null);
        Assert.False(ChatTemplate.Exists(_folder));
        Assert.Contains("ships no chat template", Assert.Throws<ModelFormatException>(() => ChatTemplate.Load(_folder)).Message);
    }

    [Fact]
    public void A_text_only_template_gets_text_parts_joined_and_refuses_images()
    {
        Config("{{ messages[0].content }}");
        ChatTemplate template = ChatTemplate.Load(_folder);
        Assert.Equal(ContentFormat.Text, template.ContentFormat);
        var parts = JsonDocument.Parse("""{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}""").RootElement;
        Assert.Equal("a\nb", template.Render(new ChatTemplateInputs([parts])));
        var image = JsonDocument.Parse("""{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}""").RootElement;
        Assert.Equal("messages[0].content[0]", Assert.Throws<ChatInputException>(() => template.Render(new ChatTemplateInputs([image]))).Field);
    }

    [Fact]
    public void A_template_that_loops_over_content_gets_the_parts()
    {
        Config("{% for p in messages[0].content %}[{{ p.type }}]{% endfor %}");
        ChatTemplate template = ChatTemplate.Load(_folder);
        Assert.Equal(ContentFormat.Parts, template.ContentFormat);
        var image = JsonDocument.Parse("""{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}""").RootElement;
        Assert.Equal("[image_url]", template.Render(new ChatTemplateInputs([image])));
    }
}
