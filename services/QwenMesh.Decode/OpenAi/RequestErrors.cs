using System.Text.Json;

namespace QwenMesh.Decode.OpenAi;

/// <summary>
/// The 400 errors of request validation, worded and coded the way OpenAI words them, so that clients (and people
/// reading logs) see the same messages they would get from OpenAI for the same mistake.
/// </summary>
internal static class RequestErrors
{
    public static OpenAiException InvalidJson(string detail) =>
        OpenAiException.BadRequest($"invalid JSON in the request body: {detail}");

    public static OpenAiException Missing(string param) =>
        OpenAiException.BadRequest($"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    public static OpenAiException WrongType(string param, string expected, JsonElement actual) =>
        OpenAiException.BadRequest(
            $"Invalid type for '{param}': expected {expected}, but got {Describe(actual)} instead.", param, "invalid_type");

    public static OpenAiException BelowMinimum(string param, JsonElement actual, string bound) =>
        OpenAiException.BadRequest(
            $"Invalid '{param}': {NumberKind(actual)} below minimum value. Expected a value {bound}, but got {actual.GetRawText()} instead.",
            param,
            $"{NumberKind(actual)}_below_min_value");

    public static OpenAiException AboveMaximum(string param, JsonElement actual, string bound) =>
        OpenAiException.BadRequest(
            $"Invalid '{param}': {NumberKind(actual)} above maximum value. Expected a value {bound}, but got {actual.GetRawText()} instead.",
            param,
            $"{NumberKind(actual)}_above_max_value");

    public static OpenAiException EmptyArray(string param) =>
        OpenAiException.BadRequest(
            $"Invalid '{param}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            param,
            "empty_array");

    public static OpenAiException ArrayTooLong(string param, int maximum, int length) =>
        OpenAiException.BadRequest(
            $"Invalid '{param}': array too long. Expected an array with maximum length {maximum}, but got an array with length {length} instead.",
            param,
            "array_above_max_length");

    public static OpenAiException EmptyString(string param) =>
        OpenAiException.BadRequest(
            $"Invalid '{param}': empty string. Expected a string with minimum length 1, but got an empty string instead.",
            param,
            "empty_string");

    public static OpenAiException InvalidValue(string param, string value, string supported) =>
        OpenAiException.BadRequest($"Invalid value: '{value}'. Supported values are: {supported}.", param, "invalid_value");

    /// <summary>A valid OpenAI value this server does not implement (n > 1, logprobs, echo).</summary>
    public static OpenAiException UnsupportedValue(string param, string message) =>
        OpenAiException.BadRequest(message, param, "unsupported_value");

    /// <summary>A valid OpenAI parameter this server does not implement at all (suffix).</summary>
    public static OpenAiException UnsupportedParameter(string param) =>
        OpenAiException.BadRequest($"Unsupported parameter: '{param}' is not supported by this server.", param, "unsupported_parameter");

    static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => IsIntegerLiteral(value) ? "an integer" : "a decimal",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };

    static string NumberKind(JsonElement number) => IsIntegerLiteral(number) ? "integer" : "decimal";

    /// <summary>True for a number written without fraction or exponent, as Python's json would read it into an int.</summary>
    public static bool IsIntegerLiteral(JsonElement number) =>
        number.ValueKind == JsonValueKind.Number && number.GetRawText().AsSpan().IndexOfAny('.', 'e', 'E') < 0;
}
