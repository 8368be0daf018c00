
namespace QwenMesh.Text.Tests.Templates;

/// <summary>
/// Plain conversations through the Qwen3 chat template. Expected prompts were worked out by hand from the template
/// text in tokenizer_config.json (with Python Jinja's semantics), and the engine renders that template.
/// </summary>
public sealed class Qwen3TemplateTests
{
    [Fact]
    public void A_single_user_message_with_a_generation_prompt()
    {
        string prompt = QwenChat.Render([QwenChat.User("Hi")], addGenerationPrompt: true);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", prompt);
    }

    [Fact]
    public void Disabling_thinking_prefills_an_empty_think_block()
    {
        string prompt = QwenChat.Render(
            [QwenChat.System("You are terse."), QwenChat.User("Hi")], addGenerationPrompt: true, enableThinking: false);
        Assert.Equal(
            "<|im_start|>system\nYou are terse.<|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\n",
            prompt);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(null)]
    public void Enabled_or_undefined_thinking_leaves_the_turn_open(bool? enableThinking)
    {
        string prompt = QwenChat.Render(
            [QwenChat.System("You are terse."), QwenChat.User("Hi")], addGenerationPrompt: true, enableThinking: enableThinking);
        Assert.Equal("<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", prompt);
    }

    [Fact]
    public void Earlier_turns_lose_their_thinking()
    {
        string prompt = QwenChat.Render(
            [
                QwenChat.User("What is 2+2?"),
                QwenChat.Assistant("<think>\nAdd them.\n</think>\n\n4"),
                QwenChat.User("And 3+3?"),
            ],
            addGenerationPrompt: true);
        Assert.Equal(
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
            + "<|im_start|>assistant\n4<|im_end|>\n"
            + "<|im_start|>user\nAnd 3+3?<|im_end|>\n"
            + "<|im_start|>assistant\n",
            prompt);
    }

    [Fact]
    public void The_final_answer_shows_its_reasoning_content()
    {
        string prompt = QwenChat.Render(
            [QwenChat.User("Hi"), QwenChat.Assistant("\nHello!", reasoningContent: "\nGreet back.\n")]);
        Assert.Equal(
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nGreet back.\n</think>\n\nHello!<|im_end|>\n",
            prompt);
    }

    [Fact]
    public void The_final_answer_without_reasoning_gets_an_empty_think_block()
    {
        string prompt = QwenChat.Render([QwenChat.User("Hi"), QwenChat.Assistant("Hello!")]);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n", prompt);
    }

    [Theory]
    // reasoning_content wins: the content is kept whole, think tags included
    [InlineData("<think>x</think>Hello", "real", "<think>\nreal\n</think>\n\n<think>x</think>Hello")]
    // no opening tag: everything before </think> is the reasoning
    [InlineData("plan\n</think>\n\nanswer", null, "<think>\nplan\n</think>\n\nanswer")]
    // only the last </think> ends the reasoning, only the first bounds it
    [InlineData("<think>a</think>b</think>\nc", null, "<think>\na\n</think>\n\nc")]
    public void Think_blocks_in_content_are_split_out(string content, string? reasoning, string expectedTurn)
    {
        string prompt = QwenChat.Render([QwenChat.User("Hi"), QwenChat.Assistant(content, reasoning)]);
        Assert.Equal("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n" + expectedTurn + "<|im_end|>\n", prompt);
    }

    [Fact]
    public void A_user_message_wrapped_in_tool_response_tags_is_not_the_last_query()
    {
        string prompt = QwenChat.Render(
            [
                QwenChat.System("S"),
                QwenChat.User("Q1"),
                QwenChat.Assistant("A1"),
                QwenChat.User("<tool_response>\nR\n</tool_response>"),
                QwenChat.Assistant("<think>\nT\n</think>\n\nA2"),
            ],
            addGenerationPrompt: true);
        Assert.Equal(
            "<|im_start|>system\nS<|im_end|>\n"
            + "<|im_start|>user\nQ1<|im_end|>\n"
            + "<|im_start|>assistant\nA1<|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\nR\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n<think>\nT\n</think>\n\nA2<|im_end|>\n"
            + "<|im_start|>assistant\n",
            prompt);
    }

    [Fact]
    public void A_developer_message_is_the_system_message()
    {
        Assert.Equal(
            QwenChat.Render([QwenChat.System("S"), QwenChat.User("Q")], addGenerationPrompt: true),
            QwenChat.Render([new() { ["role"] = "developer", ["content"] = "S" }, QwenChat.User("Q")], addGenerationPrompt: true));
    }
}
