using System.Globalization;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>
/// Recursive descent over the tokens, with Jinja's precedence: conditional, or, and, not, comparisons (and
/// <c>in</c>), + -, ~, * / // %, **, unary - +, then postfix (attributes, items, slices, calls) with filters and
/// tests binding tighter than any binary operator (<c>x|length > 0</c> is <c>(x|length) > 0</c>).
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> Comparisons = ["==", "!=", "<", ">", "<=", ">="];

    private readonly List<Token> _tokens;
    private int _at;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        IReadOnlyList<Stmt> body = parser.Statements(out string? end);
        if (end is not null)
        {
            throw new TemplateException($"unexpected '{{% {end} %}}' with no block open", parser.Current.Line);
        }
        return body;
    }

    private Token Current => _tokens[_at];

    private Token Next() => _tokens[_at++];

    // Statements until the end of the template or a tag in `ends` (returned, consumed up to its name).
    private List<Stmt> Statements(out string? end, params string[] ends)
    {
        var body = new List<Stmt>();
        while (true)
        {
            Token token = Next();
            switch (token.Kind)
            {
                case TokenKind.End:
                    if (ends.Length > 0)
                    {
                        throw new TemplateException($"the template ended inside a block; expected {string.Join(" or ", ends.Select(e => $"'{{% {e} %}}'"))}", token.Line);
                    }
                    end = null;
                    _at--;
                    return body;
                case TokenKind.Text:
                    body.Add(new TextStmt(token.Value, token.Line));
                    break;
                case TokenKind.ExpressionStart:
                    body.Add(new OutputStmt(Expression(), token.Line));
                    Expect(TokenKind.ExpressionEnd, "'}}'");
                    break;
                case TokenKind.StatementStart:
                    Token name = Current;
                    if (name.Kind == TokenKind.Name && ends.Contains(name.Value))
                    {
                        _at++;
                        end = name.Value;
                        return body;
                    }
                    if (name.Kind == TokenKind.Name && name.Value.StartsWith("end", StringComparison.Ordinal) || name.IsName("elif") || name.IsName("else"))
                    {
                        throw new TemplateException($"unexpected '{{% {name.Value} %}}'", name.Line);
                    }
                    body.Add(Statement());
                    break;
                default:
                    throw new TemplateException($"unexpected {token}", token.Line);
            }
        }
    }

    private Stmt Statement()
    {
        Token keyword = Expect(TokenKind.Name, "a statement name");
        int line = keyword.Line;
        switch (keyword.Value)
        {
            case "if":
                return If(line);
            case "for":
                return For(line);
            case "set":
                return Set(line);
            case "macro":
                return Macro(line);
            case "call":
                return CallBlock(line);
            case "filter":
                return FilterBlock(line);
            case "do":
                {
                    Expr value = Expression();
                    EndTag();
                    return new DoStmt(value, line);
                }
            case "break":
                EndTag();
                return new BreakStmt(line);
            case "continue":
                EndTag();
                return new ContinueStmt(line);
            case "generation":
                {
                    EndTag();
                    List<Stmt> body = Statements(out _, "endgeneration");
                    EndTag();
                    return new BlockStmt(body, line);
                }
            default:
                throw new TemplateException($"unknown statement '{keyword.Value}'", line);
        }
    }

    private IfStmt If(int line)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        Expr condition = Expression();
        EndTag();
        while (true)
        {
            List<Stmt> body = Statements(out string? end, "elif", "else", "endif");
            branches.Add((condition, body));
            if (end == "elif")
            {
                condition = Expression();
                EndTag();
                continue;
            }
            if (end == "else")
            {
                EndTag();
                List<Stmt> otherwise = Statements(out _, "endif");
                EndTag();
                return new IfStmt(branches, otherwise, line);
            }
            EndTag();
            return new IfStmt(branches, [], line);
        }
    }

    private ForStmt For(int line)
    {
        (List<string> targets, bool unpack) = Targets();
        ExpectName("in");
        Expr iterable = Expression(withConditional: false);
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            _at++;
            filter = Expression(withConditional: false);
        }
        if (Current.IsName("recursive"))
        {
            throw new TemplateException("recursive loops are not supported", Current.Line);
        }
        EndTag();
        List<Stmt> body = Statements(out string? end, "else", "endfor");
        List<Stmt> otherwise = [];
        if (end == "else")
        {
            EndTag();
            otherwise = Statements(out _, "endfor");
        }
        EndTag();
        return new ForStmt(targets, unpack, iterable, filter, body, otherwise, line);
    }

    private SetStmt Set(int line)
    {
        Token first = Expect(TokenKind.Name, "a variable name");
        if (Current.IsOperator("."))
        {
            _at++;
            string attribute = Expect(TokenKind.Name, "an attribute name").Value;
            Expect(TokenKind.Operator, "'='", "=");
            Expr value = Expression();
            EndTag();
            return new SetStmt([first.Value], false, attribute, value, null, line);
        }
        _at--;
        (List<string> targets, bool unpack) = Targets();
        if (Current.IsOperator("="))
        {
            _at++;
            Expr value = TupleOrExpression();
            EndTag();
            return new SetStmt(targets, unpack, null, value, null, line);
        }
        if (unpack)
        {
            throw new TemplateException("a block set assigns one name", line);
        }
        EndTag();
        List<Stmt> body = Statements(out _, "endset");
        EndTag();
        return new SetStmt(targets, false, null, null, body, line);
    }

    private MacroStmt Macro(int line)
    {
        string name = Expect(TokenKind.Name, "a macro name").Value;
        List<Parameter> parameters = Parameters();
        EndTag();
        List<Stmt> body = Statements(out _, "endmacro");
        EndTag();
        return new MacroStmt(name, parameters, body, line);
    }

    private CallBlockStmt CallBlock(int line)
    {
        List<Parameter> callerParameters = Current.IsOperator("(") ? Parameters() : [];
        Expr call = Expression();
        if (call is not CallExpr callExpr)
        {
            throw new TemplateException("a call block needs a macro call", line);
        }
        EndTag();
        List<Stmt> body = Statements(out _, "endcall");
        EndTag();
        return new CallBlockStmt(callExpr, callerParameters, body, line);
    }

    private FilterBlockStmt FilterBlock(int line)
    {
        var filters = new List<(string, Arguments)>();
        do
        {
            string name = Expect(TokenKind.Name, "a filter name").Value;
            filters.Add((name, Current.IsOperator("(") ? CallArguments() : Arguments.None));
        }
        while (TakeOperator("|"));
        EndTag();
        List<Stmt> body = Statements(out _, "endfilter");
        EndTag();
        return new FilterBlockStmt(filters, body, line);
    }

    private List<Parameter> Parameters()
    {
        Expect(TokenKind.Operator, "'('", "(");
        var parameters = new List<Parameter>();
        while (!TakeOperator(")"))
        {
            if (parameters.Count > 0)
            {
                Expect(TokenKind.Operator, "',' or ')'", ",");
                if (TakeOperator(")")) break;
            }
            string name = Expect(TokenKind.Name, "a parameter name").Value;
            parameters.Add(new Parameter(name, TakeOperator("=") ? Expression() : null));
        }
        return parameters;
    }

    private (List<string> Names, bool Unpack) Targets()
    {
        bool parenthesised = TakeOperator("(");
        var names = new List<string> { Expect(TokenKind.Name, "a variable name").Value };
        bool unpack = parenthesised;
        while (TakeOperator(","))
        {
            unpack = true;
            if (Current.Kind != TokenKind.Name) break;
            names.Add(Next().Value);
        }
        if (parenthesised) Expect(TokenKind.Operator, "')'", ")");
        return (names, unpack);
    }

    private Expr TupleOrExpression()
    {
        int line = Current.Line;
        Expr first = Expression();
        if (!Current.IsOperator(",")) return first;
        var items = new List<Expr> { first };
        while (TakeOperator(","))
        {
            if (Current.Kind is TokenKind.StatementEnd or TokenKind.ExpressionEnd) break;
            items.Add(Expression());
        }
        return new TupleExpr(items, line);
    }

    private Expr Expression(bool withConditional = true)
    {
        Expr value = Or();
        if (!withConditional) return value;
        while (Current.IsName("if"))
        {
            int line = Next().Line;
            Expr condition = Or();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                _at++;
                otherwise = Expression();
            }
            value = new ConditionalExpr(condition, value, otherwise, line);
        }
        return value;
    }

    private Expr Or()
    {
        Expr left = And();
        while (Current.IsName("or"))
        {
            int line = Next().Line;
            left = new BinaryExpr("or", left, And(), line);
        }
        return left;
    }

    private Expr And()
    {
        Expr left = Not();
        while (Current.IsName("and"))
        {
            int line = Next().Line;
            left = new BinaryExpr("and", left, Not(), line);
        }
        return left;
    }

    private Expr Not()
    {
        if (Current.IsName("not"))
        {
            int line = Next().Line;
            return new UnaryExpr("not", Not(), line);
        }
        return Compare();
    }

    private Expr Compare()
    {
        Expr left = Additive();
        while (true)
        {
            Token token = Current;
            string op;
            if (token.Kind == TokenKind.Operator && Comparisons.Contains(token.Value))
            {
                op = token.Value;
                _at++;
            }
            else if (token.IsName("in"))
            {
                op = "in";
                _at++;
            }
            else if (token.IsName("not") && _tokens[_at + 1].IsName("in"))
            {
                op = "not in";
                _at += 2;
            }
            else
            {
                return left;
            }
            left = new BinaryExpr(op, left, Additive(), token.Line);
        }
    }

    private Expr Additive()
    {
        Expr left = Concat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            Token op = Next();
            left = new BinaryExpr(op.Value, left, Concat(), op.Line);
        }
        return left;
    }

    private Expr Concat()
    {
        Expr left = Multiplicative();
        while (Current.IsOperator("~"))
        {
            Token op = Next();
            left = new BinaryExpr("~", left, Multiplicative(), op.Line);
        }
        return left;
    }

    private Expr Multiplicative()
    {
        Expr left = Power();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            Token op = Next();
            left = new BinaryExpr(op.Value, left, Power(), op.Line);
        }
        return left;
    }

    private Expr Power()
    {
        Expr left = Unary();
        while (Current.IsOperator("**"))
        {
            Token op = Next();
            left = new BinaryExpr("**", left, Unary(), op.Line);
        }
        return left;
    }

    private Expr Unary()
    {
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            Token op = Next();
            return FiltersAndTests(new UnaryExpr(op.Value, Unary(withFilters: false), op.Line));
        }
        return Unary(withFilters: true);
    }

    private Expr Unary(bool withFilters)
    {
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            Token op = Next();
            return new UnaryExpr(op.Value, Unary(withFilters: false), op.Line);
        }
        Expr value = Postfix(Primary());
        return withFilters ? FiltersAndTests(value) : value;
    }

    private Expr FiltersAndTests(Expr value)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                int line = Next().Line;
                string name = Expect(TokenKind.Name, "a filter name").Value;
                value = new FilterExpr(value, name, Current.IsOperator("(") ? CallArguments() : Arguments.None, line);
                value = Postfix(value);
            }
            else if (Current.IsName("is"))
            {
                int line = Next().Line;
                bool negated = false;
                if (Current.IsName("not"))
                {
                    _at++;
                    negated = true;
                }
                Token name = Next();
                if (name.Kind != TokenKind.Name && !(name.Kind == TokenKind.Operator && Comparisons.Contains(name.Value)))
                {
                    throw new TemplateException($"expected a test name after 'is', got {name}", name.Line);
                }
                Arguments args = Arguments.None;
                if (Current.IsOperator("("))
                {
                    args = CallArguments();
                }
                else if (Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float
                    || (Current.Kind == TokenKind.Name && Current.Value is not ("and" or "or" or "else" or "if" or "is" or "in" or "not")))
                {
                    args = new Arguments([Postfix(Primary())], []);
                }
                value = new TestExpr(value, name.Value, args, negated, line);
            }
            else
            {
                return value;
            }
        }
    }

    private Expr Postfix(Expr value)
    {
        while (true)
        {
            Token token = Current;
            if (token.IsOperator("."))
            {
                _at++;
                Token name = Next();
                value = name.Kind switch
                {
                    TokenKind.Name => new AttributeExpr(value, name.Value, token.Line),
                    TokenKind.Integer => new ItemExpr(value, new Literal(long.Parse(name.Value, CultureInfo.InvariantCulture), name.Line), token.Line),
                    _ => throw new TemplateException($"expected an attribute name after '.', got {name}", name.Line),
                };
            }
            else if (token.IsOperator("["))
            {
                _at++;
                value = Subscript(value, token.Line);
            }
            else if (token.IsOperator("("))
            {
                value = new CallExpr(value, CallArguments(), token.Line);
            }
            else
            {
                return value;
            }
        }
    }

    private Expr Subscript(Expr target, int line)
    {
        Expr? start = Current.IsOperator(":") ? null : Expression();
        if (TakeOperator("]"))
        {
            return new ItemExpr(target, start!, line);
        }
        Expect(TokenKind.Operator, "':' or ']'", ":");
        Expr? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : Expression();
        Expr? step = null;
        if (TakeOperator(":") && !Current.IsOperator("]"))
        {
            step = Expression();
        }
        Expect(TokenKind.Operator, "']'", "]");
        return new SliceExpr(target, start, stop, step, line);
    }

    private Arguments CallArguments()
    {
        Expect(TokenKind.Operator, "'('", "(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        while (!TakeOperator(")"))
        {
            if (positional.Count + named.Count > 0)
            {
                Expect(TokenKind.Operator, "',' or ')'", ",");
                if (TakeOperator(")")) break;
            }
            if (Current.Kind == TokenKind.Name && _tokens[_at + 1].IsOperator("="))
            {
                string name = Next().Value;
                _at++;
                named.Add((name, Expression()));
            }
            else
            {
                if (named.Count > 0)
                {
                    throw new TemplateException("a positional argument follows a keyword argument", Current.Line);
                }
                positional.Add(Expression());
            }
        }
        return new Arguments(positional, named);
    }

    private Expr Primary()
    {
        Token token = Next();
        int line = token.Line;
        switch (token.Kind)
        {
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new Literal(true, line),
                    "false" or "False" => new Literal(false, line),
                    "none" or "None" => new Literal(null, line),
                    _ => new NameExpr(token.Value, line),
                };
            case TokenKind.String:
                string text = token.Value;
                while (Current.Kind == TokenKind.String)
                {
                    text += Next().Value;
                }
                return new Literal(text, line);
            case TokenKind.Integer:
                return new Literal(long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n)
                    ? n : (object)double.Parse(token.Value, CultureInfo.InvariantCulture), line);
            case TokenKind.Float:
                return new Literal(double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture), line);
            case TokenKind.Operator when token.Value == "(":
                {
                    if (TakeOperator(")")) return new TupleExpr([], line);
                    Expr first = Expression();
                    if (TakeOperator(")")) return first;
                    var items = new List<Expr> { first };
                    while (TakeOperator(","))
                    {
                        if (Current.IsOperator(")")) break;
                        items.Add(Expression());
                    }
                    Expect(TokenKind.Operator, "')'", ")");
                    return new TupleExpr(items, line);
                }
            case TokenKind.Operator when token.Value == "[":
                {
                    var items = new List<Expr>();
                    while (!TakeOperator("]"))
                    {
                        if (items.Count > 0)
                        {
                            Expect(TokenKind.Operator, "',' or ']'", ",");
                            if (TakeOperator("]")) break;
                        }
                        items.Add(Expression());
                    }
                    return new ListExpr(items, line);
                }
            case TokenKind.Operator when token.Value == "{":
                {
                    var items = new List<(Expr, Expr)>();
                    while (!TakeOperator("}"))
                    {
                        if (items.Count > 0)
                        {
                            Expect(TokenKind.Operator, "',' or '}'", ",");
                            if (TakeOperator("}")) break;
                        }
                        Expr key = Expression();
                        Expect(TokenKind.Operator, "':'", ":");
                        items.Add((key, Expression()));
                    }
                    return new DictExpr(items, line);
                }
            default:
                throw new TemplateException($"unexpected {token} in an expression", line);
        }
    }

    private bool TakeOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        _at++;
        return true;
    }

    private void ExpectName(string name)
    {
        if (!Current.IsName(name))
        {
            throw new TemplateException($"expected '{name}', got {Current}", Current.Line);
        }
        _at++;
    }

    private void EndTag() => Expect(TokenKind.StatementEnd, "'%}'");

    private Token Expect(TokenKind kind, string what, string? value = null)
    {
        Token token = Current;
        if (token.Kind != kind || (value is not null && token.Value != value))
        {
            throw new TemplateException($"expected {what}, got {token}", token.Line);
        }
        _at++;
        return token;
    }
}
