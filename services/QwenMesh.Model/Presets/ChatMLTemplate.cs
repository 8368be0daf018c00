namespace QwenMesh.Model.Presets;

/// <summary>
/// The chat template written into random checkpoints that carry no real tokenizer (the byte-level tokenizer knows
/// ChatML's special tokens): ChatML turns, tools listed as JSON in the system turn, tool calls as JSON inside
/// &lt;tool_call&gt; (the hermes format), tool results grouped into one user turn, and an empty think block when
/// thinking is turned off. Checkpoints with the real Qwen3 tokenizer carry that tokenizer's own template instead.
/// </summary>
public static class ChatMLTemplate
{
    public const string FileName = "chat_template.jinja";

    public const string Source = """
        {%- if tools %}
            {{- '<|im_start|>system\n' }}
            {%- if messages[0].role == 'system' %}
                {{- messages[0].content + '\n\n' }}
            {%- endif %}
            {{- '# Tools\n\nYou may call these functions; their signatures are inside <tools></tools>, one a line:\n<tools>' }}
            {%- for tool in tools %}
                {{- '\n' + tool | tojson }}
            {%- endfor %}
            {{- '\n</tools>\n\nTo call one, answer with <tool_call>\n{"name": <name>, "arguments": <arguments as a JSON object>}\n</tool_call><|im_end|>\n' }}
        {%- elif messages[0].role == 'system' %}
            {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
        {%- endif %}
        {%- for message in messages %}
            {%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
                {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}
            {%- elif message.role == 'assistant' %}
                {{- '<|im_start|>assistant\n' + message.content }}
                {%- for call in message.tool_calls or [] %}
                    {%- set call = call.function if call.function is defined else call %}
                    {{- '\n<tool_call>\n' + {'name': call.name, 'arguments': call.arguments} | tojson + '\n</tool_call>' }}
                {%- endfor %}
                {{- '<|im_end|>\n' }}
            {%- elif message.role == 'tool' %}
                {%- if loop.first or loop.previtem.role != 'tool' %}
                    {{- '<|im_start|>user' }}
                {%- endif %}
                {{- '\n<tool_response>\n' + message.content + '\n</tool_response>' }}
                {%- if loop.last or loop.nextitem.role != 'tool' %}
                    {{- '<|im_end|>\n' }}
                {%- endif %}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|im_start|>assistant\n' }}
            {%- if enable_thinking is defined and enable_thinking is false %}
                {{- '<think>\n\n</think>\n\n' }}
            {%- endif %}
        {%- endif %}
        """;
}
