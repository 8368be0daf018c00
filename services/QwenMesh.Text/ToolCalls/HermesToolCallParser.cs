using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace QwenMesh.Text.ToolCalls;

/// <summary>
/// Qwen3 / Hermes tool calls: <c>&lt;tool_call&gt;\n{"name": "f", "arguments": {...}}\n&lt;/tool_call&gt;</c>. When the
/// name comes first (as the template asks) the arguments stream as the model writes them; otherwise the call is read
/// whole at its closing tag. A call whose JSON does not parse is left in the content, as vLLM leaves it.
/// </summary>
public sealed partial class HermesToolCallParser : TaggedToolCallParser
{

    [GeneratedRegex("""^\s*\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"arguments"\s*:\s*""", RegexOptions.CultureInvariant)]
    private static partial Regex NameFirst();

    [GeneratedRegex("""[{,]\s*"arguments"\s*:""", RegexOptions.CultureInvariant)]
    private static partial Regex ArgumentsKey();

    private enum State
    {
        Content,
        Call,
        Arguments,
        AfterArguments,
    }

    private State _state = State.Content;
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _started;

    protected override void FlushRest(string rest)
    {
        switch (_state)
        {
            case State.Content:
                Content(rest);
                break;
            case State.Call:
                Content(CallOpen + rest);
                break;
            case State.Arguments:
                Arguments(rest);
                break;
        }
        _state = State.Content;
    }

    protected override bool Step(bool final)
    {
        string buffer = Buffer;
        switch (_state)
        {
            case State.Content:
                {
                    int open = buffer.IndexOf(CallOpen, StringComparison.Ordinal);
                    if (SpaceBetweenCalls(buffer, open, final)) return open >= 0;
                    if (open < 0)
                    {
                        Take(buffer.Length - (final ? 0 : PartialTag.HeldBack(buffer, CallOpen)), Content);
                        return false;
                    }
                    Take(open, Content);
                    Take(CallOpen.Length);
                    _state = State.Call;
                    return true;
                }
            case State.Call:
                {
                    Match head = NameFirst().Match(buffer);
                    if (head.Success)
                    {
                        StartCall(JsonSerializer.Deserialize<string>("\"" + head.Groups[1].Value + "\"")!);
                        Take(head.Length);
                        (_depth, _inString, _escaped, _started) = (0, false, false, false);
                        _state = State.Arguments;
                        return true;
                    }
                    int close = buffer.IndexOf(CallClose, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        // Wait for the whole call once it is clear that the name does not come first.
                        return false;
                    }
                    string body = buffer[..close];
                    Take(close + CallClose.Length);
                    if (!Whole(body)) Content(CallOpen + body + CallClose);
                    _state = State.Content;
                    return true;
                }
            case State.Arguments:
                {
                    if (!_started)
                    {
                        // Whitespace before the value is not part of it.
                        string value = buffer.TrimStart();
                        Take(buffer.Length - value.Length);
                        if (value.Length == 0) return false;
                        buffer = value;
                    }
                    int end = ScanValue(buffer);
                    if (end < 0)
                    {
                        Take(buffer.Length, Arguments);
                        return false;
                    }
                    Take(end, Arguments);
                    EndOfCall();
                    _state = State.AfterArguments;
                    return true;
                }
            case State.AfterArguments:
                {
                    int close = buffer.IndexOf(CallClose, StringComparison.Ordinal);
                    if (close < 0)
                    {
                        return false;
                    }
                    // The rest of the call object ("}" and whitespace) is not content.
                    Take(close + CallClose.Length);
                    _state = State.Content;
                    return true;
                }
            default:
                return false;
        }
    }

    // Where the arguments value ends in `text` (its scan continues across feeds), or -1 if it has not ended yet.
    private int ScanValue(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (!_started)
            {
                if (char.IsWhiteSpace(c)) continue;
                _started = true;
            }
            if (_inString)
            {
                if (_escaped) _escaped = false;
                else if (c == '\\') _escaped = true;
                else if (c == '"') _inString = false;
                if (!_inString && _depth == 0) return i + 1;
                continue;
            }
            switch (c)
            {
                case '"':
                    _inString = true;
                    break;
                case '{' or '[':
                    _depth++;
                    break;
                case '}' or ']':
                    if (_depth == 0) return i; // a scalar value ended by the call object's own brace
                    if (--_depth == 0) return i + 1;
                    break;
                case ',' when _depth == 0:
                    return i;
            }
        }
        return -1;
    }

    // A call whose name does not come first: parse it whole.
    private bool Whole(string body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            JsonElement call = document.RootElement;
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
            {
                return false;
            }
            string arguments = !call.TryGetProperty("arguments", out JsonElement args) ? "{}"
                : args.ValueKind == JsonValueKind.String ? args.GetString()! : args.GetRawText();
            StartCall(name.GetString()!);
            Arguments(arguments);
            EndOfCall();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
