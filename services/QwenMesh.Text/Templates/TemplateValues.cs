using System.Globalization;
using System.Text.Json;
using QwenMesh.Text.Templates.Jinja;

namespace QwenMesh.Text.Templates;

/// <summary>Request JSON as the values a template computes with (what <c>json.loads</c> would give Python).</summary>
internal static class TemplateValues
{
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => Object(element),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => Number(element),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => Undefined.Value,
    };

    private static JinjaDict Object(JsonElement element)
    {
        var dict = new JinjaDict();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            dict[property.Name] = FromJson(property.Value);
        }
        return dict;
    }

    // An integer stays an integer (Python ints are exact); anything with a fraction or exponent is a float.
    private static object Number(JsonElement element)
    {
        string raw = element.GetRawText();
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
        {
            return n;
        }
        return element.GetDouble();
    }
}
