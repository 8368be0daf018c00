namespace QwenMesh.Text.Templates.Jinja;

// The template's syntax tree. Every node keeps its line for error messages.

internal abstract record Node(int Line);

internal abstract record Expr(int Line) : Node(Line);

internal sealed record Literal(object? Value, int Line) : Expr(Line);

internal sealed record NameExpr(string Name, int Line) : Expr(Line);

internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);

internal sealed record TupleExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);

internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Items, int Line) : Expr(Line);

/// <summary><c>a.b</c>: attribute first, then item (Python's getattr then getitem, as Jinja does).</summary>
internal sealed record AttributeExpr(Expr Target, string Name, int Line) : Expr(Line);

/// <summary><c>a[b]</c>: item first, then attribute.</summary>
internal sealed record ItemExpr(Expr Target, Expr Index, int Line) : Expr(Line);

internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);

internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Named)
{
    public static readonly Arguments None = new([], []);
}

internal sealed record CallExpr(Expr Callee, Arguments Args, int Line) : Expr(Line);

internal sealed record FilterExpr(Expr Operand, string Name, Arguments Args, int Line) : Expr(Line);

internal sealed record TestExpr(Expr Operand, string Name, Arguments Args, bool Negated, int Line) : Expr(Line);

internal sealed record UnaryExpr(string Operator, Expr Operand, int Line) : Expr(Line);

internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right, int Line) : Expr(Line);

/// <summary><c>a if c else b</c>; without <c>else</c>, undefined when <c>c</c> is false.</summary>
internal sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Else, int Line) : Expr(Line);

internal abstract record Stmt(int Line) : Node(Line);

internal sealed record TextStmt(string Text, int Line) : Stmt(Line);

internal sealed record OutputStmt(Expr Value, int Line) : Stmt(Line);

internal sealed record IfStmt(IReadOnlyList<(Expr Condition, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else, int Line) : Stmt(Line);

internal sealed record ForStmt(
    IReadOnlyList<string> Targets, bool Unpack, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else, int Line) : Stmt(Line);

/// <summary><c>set a = x</c>, <c>set a, b = x</c>, <c>set ns.attr = x</c>, or the block form <c>set a %}...{% endset</c>.</summary>
internal sealed record SetStmt(IReadOnlyList<string> Targets, bool Unpack, string? Attribute, Expr? Value, IReadOnlyList<Stmt>? Body, int Line) : Stmt(Line);

internal sealed record Parameter(string Name, Expr? Default);

internal sealed record MacroStmt(string Name, IReadOnlyList<Parameter> Parameters, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

/// <summary><c>call(params) macro(args) %}body{% endcall</c>: the body is the macro's <c>caller()</c>.</summary>
internal sealed record CallBlockStmt(CallExpr Call, IReadOnlyList<Parameter> CallerParameters, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

internal sealed record FilterBlockStmt(IReadOnlyList<(string Name, Arguments Args)> Filters, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);

internal sealed record DoStmt(Expr Value, int Line) : Stmt(Line);

internal sealed record BreakStmt(int Line) : Stmt(Line);

internal sealed record ContinueStmt(int Line) : Stmt(Line);

/// <summary>transformers' <c>generation</c> block (marks assistant tokens for training masks): renders its body.</summary>
internal sealed record BlockStmt(IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
