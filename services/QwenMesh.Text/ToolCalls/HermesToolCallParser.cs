using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace QwenMesh.Text.ToolCalls;

/// <summary>
/// Qwen3 / Hermes tool calls: <c>&lt;tool_call&gt;\n{"name": "f", "arguments": {...}}\n&lt;/tool_call&gt;</c>. When the
/// name comes first (as the template asks) the arguments stream as the model writes them; otherwise the call is read
/// whole at its closing tag. A call whose JSON does not parse is left in the content, as vLLM leaves it.
/// </summary>
public sealed partial class HermesToolCallParser : IToolCallParser
{
    private const string CallOpen = "<tool_call>";
    private const string CallClose = "</tool_call>";

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

    private readonly StringBuilder _buffer = new();
    private State _state = State.Content;
    private int _index = -1;
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _started;
    private List<ToolCallEvent> _events = [];

    public IReadOnlyList<ToolCallEvent> Feed(string text)
    {
        _buffer.Append(text);
        _events = [];
        Run(final: false);
        return _events;
    }

    public IReadOnlyList<ToolCallEvent> Flush()
    {
        _events = [];
        Run(final: true);
        string rest = _buffer.ToString();
        _buffer.Clear();
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
        return _events;
    }

    // Every step consumes text or changes state; the bound turns a bug into an error instead of a hung request.
    private void Run(bool final)
    {
        for (int steps = 0; Step(final); steps++)
        {
            if (steps > 4 * _buffer.Length + 64) throw new InvalidOperationException("the tool-call parser stopped making progress");
        }
    }

    private bool Step(bool final)
    {
        string buffer = _buffer.ToString();
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
                        _index++;
                        _events.Add(new CallStarted(_index, JsonSerializer.Deserialize<string>("\"" + head.Groups[1].Value + "\"")!));
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
                    _events.Add(new CallEnded(_index));
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
            _index++;
            _events.Add(new CallStarted(_index, name.GetString()!));
            Arguments(arguments);
            _events.Add(new CallEnded(_index));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // After a call, whitespace is not content: it waits until text follows (then it is), or a call or the end does
    // (then it is dropped). True when the buffer was handled here.
    private bool SpaceBetweenCalls(string buffer, int open, bool final)
    {
        if (_index < 0) return false;
        string before = open >= 0 ? buffer[..open] : buffer[..(buffer.Length - (final ? 0 : PartialTag.HeldBack(buffer, CallOpen)))];
        if (before.Length == 0 || before.Trim().Length > 0) return false;
        if (open >= 0 || final) Take(before.Length);
        return true;
    }

    private void Take(int count, Action<string>? to = null)
    {
        if (count <= 0) return;
        string taken = _buffer.ToString(0, count);
        _buffer.Remove(0, count);
        to?.Invoke(taken);
    }

    private void Content(string text)
    {
        if (text.Length > 0) _events.Add(new ContentText(text));
    }

    private void Arguments(string json)
    {
        if (json.Length > 0) _events.Add(new ArgumentsText(_index, json));
    }
}
