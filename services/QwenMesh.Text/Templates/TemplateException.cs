namespace QwenMesh.Text.Templates;

/// <summary>
/// A template that cannot be parsed, or that failed while rendering (including its own <c>raise_exception</c>).
/// <see cref="Line"/> is the 1-based template line, when known; the message already names it.
/// </summary>
public sealed class TemplateException : Exception
{
    public TemplateException(string message, int line = 0)
        : base(line > 0 ? $"{message} (template line {line})" : message)
    {
        Line = line;
        Reason = message;
    }

    public int Line { get; }

    /// <summary>The message without the line: for <c>raise_exception</c> this is exactly what the template said.</summary>
    public string Reason { get; }

    /// <summary>Raised by the template itself (<c>raise_exception</c>): the input is at fault, not the template.</summary>
    public bool RaisedByTemplate { get; init; }
}
