using System.Globalization;
using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// Reads typed fields out of a request's JSON, turning every mismatch into the 400 that names the offending param.
/// An explicit JSON null counts as absent, as it does for OpenAI's optional parameters.
/// </summary>
internal static class RequestJson
{
    /// <summary>Parses a whole body that must be one JSON object; the caller disposes the document.</summary>
    public static JsonDocument ParseObject(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
            // ParseValue stops after the first value; anything but whitespace after it makes the body invalid.
            if (reader.Read())
            {
                document.Dispose();
                throw RequestErrors.InvalidJson("unexpected data after the JSON value");
            }
        }
        catch (JsonException e)
        {
            throw RequestErrors.InvalidJson(e.Message);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw RequestErrors.InvalidJson($"expected an object, got {kind.ToString().ToLowerInvariant()}");
        }
        return document;
    }

    /// <summary>The param path OpenAI reports for a nested field, e.g. <c>messages[2].content</c>.</summary>
    public static string Path(string? prefix, string name) => prefix is null ? name : $"{prefix}.{name}";

    public static bool TryGetValue(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public static string RequiredString(JsonElement obj, string name, string? prefix = null)
    {
        string param = Path(prefix, name);
        return TryGetValue(obj, name, out var value) ? AsString(value, param) : throw RequestErrors.Missing(param);
    }

    /// <summary>A required string that must not be empty either (model names).</summary>
    public static string RequiredNonEmptyString(JsonElement obj, string name)
    {
        string value = RequiredString(obj, name);
        return value.Length > 0 ? value : throw RequestErrors.EmptyString(name);
    }

    public static string? OptionalString(JsonElement obj, string name, string? prefix = null) =>
        TryGetValue(obj, name, out var value) ? AsString(value, Path(prefix, name)) : null;

    public static bool? OptionalBool(JsonElement obj, string name, string? prefix = null)
    {
        if (!TryGetValue(obj, name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw RequestErrors.WrongType(Path(prefix, name), "a boolean", value),
        };
    }

    /// <summary>An integer field checked against [minimum, maximum]; decimals such as 1.0 are a type error as in OpenAI.</summary>
    public static int? OptionalInt(JsonElement obj, string name, int minimum, int maximum = int.MaxValue)
    {
        if (!TryGetValue(obj, name, out var value)) return null;
        long number = AsInteger(value, name);
        if (number < minimum) throw RequestErrors.BelowMinimum(name, value, $">= {minimum}");
        if (number > maximum) throw RequestErrors.AboveMaximum(name, value, $"<= {maximum}");
        return (int)number;
    }

    /// <summary>An integer field anywhere in the signed 64-bit range.</summary>
    public static long? OptionalLong(JsonElement obj, string name) =>
        TryGetValue(obj, name, out var value) ? AsInteger(value, name) : null;

    /// <summary>A number field (integer or decimal) checked against its range; <paramref name="minimumExclusive"/> for p > 0.</summary>
    public static double? OptionalNumber(JsonElement obj, string name, double minimum, double maximum, bool minimumExclusive = false)
    {
        if (!TryGetValue(obj, name, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number) throw RequestErrors.WrongType(name, "a number", value);
        string raw = value.GetRawText();
        bool negative = raw.StartsWith('-');
        // A literal too large for a double is out of range, on the side of its sign.
        double number = value.TryGetDouble(out double parsed) ? parsed : negative ? double.NegativeInfinity : double.PositiveInfinity;
        bool belowMinimum = minimumExclusive ? number <= minimum : number < minimum;
        if (belowMinimum)
        {
            throw RequestErrors.BelowMinimum(name, value, $"{(minimumExclusive ? ">" : ">=")} {Format(minimum)}");
        }
        if (number > maximum) throw RequestErrors.AboveMaximum(name, value, $"<= {Format(maximum)}");
        return number;
    }

    public static long AsInteger(JsonElement value, string param)
    {
        if (!RequestErrors.IsIntegerLiteral(value)) throw RequestErrors.WrongType(param, "an integer", value);
        if (value.TryGetInt64(out long number)) return number;
        throw value.GetRawText().StartsWith('-')
            ? RequestErrors.BelowMinimum(param, value, $">= {long.MinValue}")
            : RequestErrors.AboveMaximum(param, value, $"<= {long.MaxValue}");
    }

    public static string AsString(JsonElement value, string param)
    {
        if (value.ValueKind != JsonValueKind.String) throw RequestErrors.WrongType(param, "a string", value);
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader checks structure, not the UTF-8 inside strings; that surfaces only when decoding.
            throw RequestErrors.InvalidJson($"'{param}' is not valid UTF-8");
        }
    }

    public static JsonElement AsObject(JsonElement value, string param) =>
        value.ValueKind == JsonValueKind.Object ? value : throw RequestErrors.WrongType(param, "an object", value);

    public static JsonElement AsArray(JsonElement value, string param) =>
        value.ValueKind == JsonValueKind.Array ? value : throw RequestErrors.WrongType(param, "an array", value);

    static string Format(double bound) => bound.ToString(CultureInfo.InvariantCulture);
}
