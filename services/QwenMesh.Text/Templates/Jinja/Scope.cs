namespace QwenMesh.Text.Templates.Jinja;

/// <summary>
/// Variables visible at one point of a render. A for loop and a macro call open a child scope, so a <c>set</c>
/// inside them does not change the outer variable (Jinja's rule, and why templates use <c>namespace()</c>).
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public object? Lookup(string name)
    {
        for (Scope? scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out object? value))
            {
                return value;
            }
        }
        return Undefined.Value;
    }

    public void Set(string name, object? value) => _variables[name] = value;
}
