namespace QwenMesh.Text.Grammar;

/// <summary>A JSON schema the grammar cannot enforce; <see cref="Path"/> names the place (e.g. <c>properties.age.pattern</c>).</summary>
public sealed class SchemaException(string path, string message) : Exception(message)
{
    public string Path { get; } = path;
}
