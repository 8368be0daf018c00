using System.Text.Json;
using QwenMesh.Model.Tokenization;

namespace QwenMesh.Model.Tests.Tokenization;

/// <summary>Expected strings are what Python's json.dumps(json.loads(input), ensure_ascii=False) prints.</summary>
public sealed class PythonJsonTests
{
    [Theory]
    [InlineData("""{"a":1,"b":[true,false,null],"c":{}}""", """{"a": 1, "b": [true, false, null], "c": {}}""")]
    [InlineData("""{ "z" : [ ] , "a" : "x" }""", """{"z": [], "a": "x"}""")] // key order kept, not sorted
    [InlineData("\"héllo 世界 😀\"", "\"héllo 世界 😀\"")] // no \u escapes for non-ASCII
    [InlineData("\"q\\\" b\\\\ n\\n t\\t c\\u0001 d\\u007f /\\/\"", "\"q\\\" b\\\\ n\\n t\\t c\\u0001 d\u007f //\"")]
    [InlineData("[1.0, 1.50, 1e3, 1E16, 0.0001, 0.00001, -0.0, 123456789012345678, 2.5e-7]",
        "[1.0, 1.5, 1000.0, 1e+16, 0.0001, 1e-05, -0.0, 123456789012345678, 2.5e-07]")]
    [InlineData("[-0, 1e400, 1234567890123456.7, 0.1]", "[0, Infinity, 1234567890123456.8, 0.1]")]
    public void Prints_like_python_json_dumps(string input, string expected)
    {
        using JsonDocument document = JsonDocument.Parse(input);
        Assert.Equal(expected, PythonJson.Dumps(document.RootElement));
    }
}
