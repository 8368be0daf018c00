using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace QwenMesh.Model.Tokenization;

/// <summary>
/// JSON text exactly as transformers' chat-template <c>tojson</c> filter prints it, i.e. Python's
/// <c>json.dumps(x, ensure_ascii=False)</c>: ", " and ": " separators, keys in document order, non-ASCII kept
/// as-is, and numbers as Python would print the int or float json.loads made of them. The model saw tool schemas
/// in this form during training, so the spacing matters.
/// </summary>
internal static class PythonJson
{
    public static string Dumps(JsonElement value)
    {
        var builder = new StringBuilder();
        Write(value, builder);
        return builder.ToString();
    }

    private static void Write(JsonElement value, StringBuilder output)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                output.Append('{');
                bool firstProperty = true;
                foreach (JsonProperty property in value.EnumerateObject())
                {
                    output.Append(firstProperty ? "" : ", ");
                    WriteString(property.Name, output);
                    output.Append(": ");
                    Write(property.Value, output);
                    firstProperty = false;
                }
                output.Append('}');
                break;
            case JsonValueKind.Array:
                output.Append('[');
                bool firstItem = true;
                foreach (JsonElement item in value.EnumerateArray())
                {
                    output.Append(firstItem ? "" : ", ");
                    Write(item, output);
                    firstItem = false;
                }
                output.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(value.GetString()!, output);
                break;
            case JsonValueKind.Number:
                output.Append(Number(value.GetRawText()));
                break;
            case JsonValueKind.True:
                output.Append("true");
                break;
            case JsonValueKind.False:
                output.Append("false");
                break;
            case JsonValueKind.Null:
                output.Append("null");
                break;
            default:
                throw new ArgumentException("A JSON value is required; got an undefined JsonElement.", nameof(value));
        }
    }

    // Only the quote, the backslash and control characters are escaped when ensure_ascii is off.
    private static void WriteString(string text, StringBuilder output)
    {
        output.Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': output.Append("\\\""); break;
                case '\\': output.Append("\\\\"); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                case '\b': output.Append("\\b"); break;
                case '\f': output.Append("\\f"); break;
                case < ' ': output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: output.Append(c); break;
            }
        }
        output.Append('"');
    }

    // json.loads turns integers into exact ints and everything else into floats.
    private static string Number(string raw)
    {
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
        {
            return BigInteger.Parse(raw, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }
        return PythonFloat.Repr(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture));
    }
}
