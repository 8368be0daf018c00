using System.Globalization;
using System.Text;
using System.Text.Json;

namespace QwenMesh.Text.ToolCalls;

/// <summary>
/// Qwen3.5 / Qwen3-Coder tool calls: <c>&lt;tool_call&gt;\n&lt;function=NAME&gt;\n&lt;parameter=P&gt;\nVALUE\n&lt;/parameter&gt;\n
/// &lt;/function&gt;\n&lt;/tool_call&gt;</c>. Arguments are built as a JSON object while the call streams: a parameter
/// the schema types as a string streams character by character as it is generated (however long); other values
/// are typed by the schema (integer, number, boolean, null, object, array) when their closing tag arrives, and an
/// undeclared one is JSON if it parses as JSON, else a string.
/// </summary>
public sealed class XmlToolCallParser(ToolSchemas schemas) : TaggedToolCallParser
{
    private const string FunctionOpen = "<function=";
    private const string FunctionClose = "</function>";
    private const string ParameterOpen = "<parameter=";
    private const string ParameterClose = "</parameter>";

    private enum State
    {
        Content,
        BeforeFunction,
        BeforeParameter,
        ValueStart,
        StringValue,
        TypedValue,
        AfterFunction,
    }

    private State _state = State.Content;
    private string _function = "";
    private string _parameter = "";
    private int _parameters;

    protected override void FlushRest(string rest)
    {
        switch (_state)
        {
            case State.Content:
                Content(rest);
                break;
            case State.BeforeFunction:
                Content(CallOpen + rest);
                break;
            case State.StringValue:
                Arguments(Escape(rest));
                break;
            case State.TypedValue:
                Arguments(Typed(rest.Trim('\n')));
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
                        int held = final ? 0 : PartialTag.HeldBack(buffer, CallOpen);
                        Take(buffer.Length - held, Content);
                        return false;
                    }
                    Take(open, Content);
                    Take(CallOpen.Length);
                    _state = State.BeforeFunction;
                    return true;
                }
            case State.BeforeFunction:
            case State.AfterFunction:
                {
                    string trimmed = buffer.TrimStart();
                    if (trimmed.Length == 0) return false;
                    int skipped = buffer.Length - trimmed.Length;
                    if (trimmed.StartsWith(FunctionOpen, StringComparison.Ordinal))
                    {
                        int end = trimmed.IndexOf('>');
                        if (end < 0) return false;
                        _function = trimmed[FunctionOpen.Length..end].Trim();
                        Take(skipped + end + 1);
                        _parameters = 0;
                        StartCall(_function);
                        Arguments("{");
                        _state = State.BeforeParameter;
                        return true;
                    }
                    if (_state == State.AfterFunction && trimmed.StartsWith(CallClose, StringComparison.Ordinal))
                    {
                        Take(skipped + CallClose.Length);
                        _state = State.Content;
                        return true;
                    }
                    if (!final && (FunctionOpen.StartsWith(trimmed, StringComparison.Ordinal) || CallClose.StartsWith(trimmed, StringComparison.Ordinal)))
                    {
                        return false;
                    }
                    // Not a call after all (or text after one): it is content.
                    if (_state == State.BeforeFunction) Content(CallOpen);
                    _state = State.Content;
                    return true;
                }
            case State.BeforeParameter:
                {
                    string trimmed = buffer.TrimStart();
                    if (trimmed.Length == 0) return false;
                    int skipped = buffer.Length - trimmed.Length;
                    if (trimmed.StartsWith(ParameterOpen, StringComparison.Ordinal))
                    {
                        int end = trimmed.IndexOf('>');
                        if (end < 0) return false;
                        _parameter = trimmed[ParameterOpen.Length..end].Trim();
                        Take(skipped + end + 1);
                        Arguments((_parameters++ > 0 ? ", " : "") + JsonSerializer.Serialize(_parameter, JsonText.Options) + ": ");
                        _state = State.ValueStart;
                        return true;
                    }
                    if (trimmed.StartsWith(FunctionClose, StringComparison.Ordinal))
                    {
                        Take(skipped + FunctionClose.Length);
                        EndCall();
                        return true;
                    }
                    if (trimmed.StartsWith(CallClose, StringComparison.Ordinal))
                    {
                        Take(skipped + CallClose.Length);
                        EndCall();
                        _state = State.Content;
                        return true;
                    }
                    if (!final && (ParameterOpen.StartsWith(trimmed, StringComparison.Ordinal) || FunctionClose.StartsWith(trimmed, StringComparison.Ordinal)
                        || CallClose.StartsWith(trimmed, StringComparison.Ordinal)))
                    {
                        return false;
                    }
                    // Stray text between parameters is not part of any value: drop it up to the next tag.
                    int next = trimmed.IndexOf('<', 1);
                    Take(next < 0 ? buffer.Length : skipped + next);
                    return next >= 0;
                }
            case State.ValueStart:
                // The template writes a newline after the opening tag; it is not part of the value.
                if (buffer.Length == 0) return false;
                if (buffer[0] == '\n') Take(1);
                if (IsString(_function, _parameter))
                {
                    Arguments("\"");
                    _state = State.StringValue;
                }
                else
                {
                    _state = State.TypedValue;
                }
                return true;
            case State.StringValue:
            case State.TypedValue:
                {
                    int close = ValueEnd(buffer, out int closeLength);
                    if (close < 0)
                    {
                        if (_state == State.StringValue)
                        {
                            // Everything but what may be the value's last newline and the start of a closing tag.
                            int held = final ? 0 : PartialTag.HeldBack(buffer, "\n" + ParameterClose, "\n" + FunctionClose, ParameterClose, FunctionClose);
                            Take(buffer.Length - held, s => Arguments(Escape(s)));
                        }
                        return false;
                    }
                    string value = buffer[..close];
                    if (value.EndsWith('\n')) value = value[..^1];
                    Arguments(_state == State.StringValue ? Escape(value) + "\"" : Typed(value));
                    // A missing </parameter> before </function> still ends the value; the function tag is read next.
                    Take(close + (buffer.AsSpan(close).StartsWith(ParameterClose) ? closeLength : 0));
                    _state = State.BeforeParameter;
                    return true;
                }
            default:
                return false;
        }
    }

    private static int ValueEnd(string buffer, out int length)
    {
        int parameter = buffer.IndexOf(ParameterClose, StringComparison.Ordinal);
        int function = buffer.IndexOf(FunctionClose, StringComparison.Ordinal);
        if (parameter >= 0 && (function < 0 || parameter < function))
        {
            length = ParameterClose.Length;
            return parameter;
        }
        length = FunctionClose.Length;
        return function;
    }

    private void EndCall()
    {
        Arguments("}");
        EndOfCall();
        _state = State.AfterFunction;
    }

    private bool IsString(string function, string parameter)
    {
        IReadOnlyList<string> types = schemas.TypesOf(function, parameter);
        return types.Count > 0 && types.All(t => t is "string");
    }

    // A non-string value, typed as the schema declares it; what does not fit its type is kept as a string.
    private string Typed(string value)
    {
        IReadOnlyList<string> types = schemas.TypesOf(_function, _parameter);
        string trimmed = value.Trim();
        foreach (string type in types.Count > 0 ? types : ["json"])
        {
            switch (type)
            {
                case "integer" when long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n):
                    return n.ToString(CultureInfo.InvariantCulture);
                case "number" when double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d):
                    return IsJson(trimmed, JsonValueKind.Number) ? trimmed : d.ToString("R", CultureInfo.InvariantCulture);
                case "boolean" when trimmed.Equals("true", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("false", StringComparison.OrdinalIgnoreCase):
                    return trimmed.ToLowerInvariant();
                case "null" when trimmed.Equals("null", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("none", StringComparison.OrdinalIgnoreCase):
                    return "null";
                case "object" when IsJson(trimmed, JsonValueKind.Object):
                case "array" when IsJson(trimmed, JsonValueKind.Array):
                    return trimmed;
                case "json" when trimmed.Length > 0 && IsJson(trimmed, null):
                    return trimmed;
            }
        }
        return "\"" + Escape(value) + "\"";
    }

    private static bool IsJson(string text, JsonValueKind? kind)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            return kind is null || document.RootElement.ValueKind == kind;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Escape(string text)
    {
        string quoted = JsonSerializer.Serialize(text, JsonText.Options);
        return quoted[1..^1];
    }
}
