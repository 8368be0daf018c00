using System.Text.Json;
using QwenMesh.Text.Templates;

namespace QwenMesh.Text.Tests.Templates;

/// <summary>The engine's Python semantics where chat templates depend on them, and its errors.</summary>
public sealed class JinjaEngineTests
{
    private static string Render(string template, string messages = """[{"role": "user", "content": "hi"}]""", string? kwargs = null)
    {
        var parsed = ChatTemplate.Parse(template);
        var list = JsonDocument.Parse(messages).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        var named = kwargs is null ? null : JsonDocument.Parse(kwargs).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        return parsed.Render(new ChatTemplateInputs(list, null, AddGenerationPrompt: true, named));
    }

    [Theory]
    [InlineData("{{ 'a b  c'.split() }}", "['a', 'b', 'c']")]
    [InlineData("{{ 'a,b,c'.split(',', 1) }}", "['a', 'b,c']")]
    [InlineData("{{ '\\n x \\n'.rstrip('\\n') }}|", "\n x |")]
    [InlineData("{{ 'xxhixx'.strip('x') }}", "hi")]
    [InlineData("{{ [1, 2, 3, 4][::-1] }} {{ [1, 2, 3, 4][1:3] }} {{ 'hello'[-3:] }}", "[4, 3, 2, 1] [2, 3] llo")]
    [InlineData("{{ none }} {{ true }} {{ 1.0 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 / 2 }} {{ -7 % 3 }}", "None True 1.0 3 -4 3.5 2")]
    [InlineData("{{ {'b': 1, 'a': [true, none]} | tojson }}", "{\"b\": 1, \"a\": [true, null]}")]
    [InlineData("{{ {'a': [1]} | tojson(indent=2) }}", "{\n  \"a\": [\n    1\n  ]\n}")]
    [InlineData("{{ {'a': 'x'} }}", "{'a': 'x'}")]
    [InlineData("{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}={{ v }};{% endfor %}", "a=2;b=1;")]
    [InlineData("{% for x in [1, 2, 3] %}{{ loop.index }}{{ loop.previtem | default('-') }}{{ '|' if not loop.last }}{% endfor %}", "1-|21|32")]
    [InlineData("{% set ns = namespace(n=0) %}{% for x in [1, 2] %}{% set ns.n = ns.n + x %}{% set local = 9 %}{% endfor %}{{ ns.n }}{{ local is defined }}", "3False")]
    [InlineData("{{ 'a' in {'a': 1} }} {{ 'x' in 'xyz' }} {{ 2 in [1, 2] }} {{ 'q' not in [] }}", "True True True True")]
    [InlineData("{{ [] is sequence }} {{ {} is mapping }} {{ 'x' is string }} {{ 1 is number }} {{ nothing is undefined }}", "True True True True True")]
    [InlineData("{{ 'abc' | upper }} {{ ['b', 'a'] | sort | join('+') }} {{ [3, 1] | max }} {{ 'x' * 3 }} {{ 'A' ~ 1 }}", "ABC a+b 3 xxx A1")]
    [InlineData("{% macro m(a, b='B') %}{{ a }}{{ b }}{% endmacro %}{{ m('x') }}{{ m('y', b='z') }}", "xByz")]
    [InlineData("{{ [{'r': 'u'}, {'r': 'a'}] | selectattr('r', 'equalto', 'a') | map(attribute='r') | list }}", "['a']")]
    [InlineData("{%- if true -%}\n  x\n{%- endif -%}\n", "x")]
    [InlineData("{% if true %}\n  a\n  {% if true %}\n  b\n  {% endif %}\n{% endif %}\n", "  a\n  b\n")]
    public void Expressions_and_statements_follow_python_jinja(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Fact]
    public void A_message_key_named_like_a_dict_method_does_not_break_either_access()
    {
        string output = Render(
            "{% for m in messages %}{{ m['items'] }}|{{ m.items() | length }}|{{ m.get('keys', 'none') }}{% endfor %}",
            """[{"role": "user", "content": "hi", "items": "I", "keys": "K"}]""");
        Assert.Equal("I|4|K", output);
    }

    [Theory]
    [InlineData("messages")]
    [InlineData("raise_exception")]
    [InlineData("namespace")]
    [InlineData("add_generation_prompt")]
    public void A_template_kwarg_may_not_replace_an_input_or_a_builtin(string name)
    {
        var error = Assert.Throws<ChatInputException>(() => Render("{{ messages | length }}", kwargs: $$"""{"{{name}}": 1}"""));
        Assert.Equal($"chat_template_kwargs.{name}", error.Field);
    }

    [Fact]
    public void Other_template_kwargs_are_variables()
    {
        Assert.Equal("high", Render("{{ reasoning_effort }}", kwargs: """{"reasoning_effort": "high"}"""));
    }

    [Fact]
    public void Raise_exception_is_the_templates_own_message()
    {
        var error = Assert.Throws<TemplateException>(() => Render("{{ raise_exception('Roles must alternate.') }}"));
        Assert.True(error.RaisedByTemplate);
        Assert.Equal("Roles must alternate.", error.Reason);
        Assert.Equal(1, error.Line);
    }

    [Theory]
    [InlineData("line one\n{% if messages %}\nno end", "expected '{% elif %}' or '{% else %}' or '{% endif %}'")]
    [InlineData("a\n\n{% unknown %}", "unknown statement 'unknown' (template line 3)")]
    [InlineData("{{ 'unclosed }}", "a string literal is not closed")]
    [InlineData("{{ x + }}", "unexpected '}}'")]
    public void A_template_that_does_not_parse_says_where(string template, string expected)
    {
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Runaway_recursion_is_an_error_not_a_crash()
    {
        var error = Assert.Throws<TemplateException>(() => Render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
        Assert.Contains("nest deeper than", error.Message);
    }

    [Fact]
    public void Unknown_filters_and_tests_fail_when_reached()
    {
        Assert.Contains("no filter named 'nope'", Assert.Throws<TemplateException>(() => Render("{{ 1 | nope }}")).Message);
        Assert.Contains("no test named 'nope'", Assert.Throws<TemplateException>(() => Render("{{ 1 is nope }}")).Message);
    }
}
