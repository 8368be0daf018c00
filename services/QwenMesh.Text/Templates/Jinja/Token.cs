namespace QwenMesh.Text.Templates.Jinja;

internal enum TokenKind
{
    Text,
    ExpressionStart,
    ExpressionEnd,
    StatementStart,
    StatementEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

/// <summary>One lexeme: literal text outside tags, or a name, literal or operator inside one.</summary>
internal readonly record struct Token(TokenKind Kind, string Value, int Line)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string name) => Kind == TokenKind.Name && Value == name;

    public bool IsOperator(string op) => Kind == TokenKind.Operator && Value == op;

    public override string ToString() => Kind switch
    {
        TokenKind.End => "the end of the template",
        TokenKind.Text => "text",
        TokenKind.String => $"string '{Value}'",
        _ => $"'{Value}'",
    };
}
