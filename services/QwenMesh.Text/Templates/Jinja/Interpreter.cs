using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>Renders a parsed template: statements write to the output, expressions evaluate with Python semantics.</summary>
internal sealed class Interpreter
{
    private const int MaxDepth = 200;

    private readonly CancellationToken _cancel;
    private int _depth;

    public Interpreter(CancellationToken cancel = default) => _cancel = cancel;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public string Render(IReadOnlyList<Stmt> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (Stmt statement in body)
        {
            Flow flow = Execute(statement, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Stmt statement, Scope scope, StringBuilder output)
    {
        _cancel.ThrowIfCancellationRequested();
        try
        {
            switch (statement)
            {
                case TextStmt text:
                    output.Append(text.Text);
                    return Flow.Normal;
                case OutputStmt print:
                    output.Append(Values.Str(Evaluate(print.Value, scope)));
                    return Flow.Normal;
                case IfStmt ifStmt:
                    foreach ((Expr condition, IReadOnlyList<Stmt> branch) in ifStmt.Branches)
                    {
                        if (Values.Truthy(Evaluate(condition, scope)))
                        {
                            return Execute(branch, scope, output);
                        }
                    }
                    return Execute(ifStmt.Else, scope, output);
                case ForStmt forStmt:
                    return For(forStmt, scope, output);
                case SetStmt set:
                    Set(set, scope);
                    return Flow.Normal;
                case MacroStmt macro:
                    scope.Set(macro.Name, new Macro(this, macro.Name, macro.Parameters, macro.Body, scope));
                    return Flow.Normal;
                case CallBlockStmt call:
                    {
                        var caller = new Macro(this, "caller", call.CallerParameters, call.Body, scope);
                        (List<object?> positional, Dictionary<string, object?> named) = Arguments(call.Call.Args, scope);
                        named["caller"] = caller;
                        output.Append(Values.Str(Invoke(Evaluate(call.Call.Callee, scope), positional, named, call.Line)));
                        return Flow.Normal;
                    }
                case FilterBlockStmt filter:
                    {
                        object? value = Render(filter.Body, scope);
                        foreach ((string name, Arguments args) in filter.Filters)
                        {
                            (List<object?> positional, Dictionary<string, object?> named) = Arguments(args, scope);
                            value = Filters.Apply(name, value, positional, named);
                        }
                        output.Append(Values.Str(value));
                        return Flow.Normal;
                    }
                case DoStmt doStmt:
                    Evaluate(doStmt.Value, scope);
                    return Flow.Normal;
                case BreakStmt:
                    return Flow.Break;
                case ContinueStmt:
                    return Flow.Continue;
                case BlockStmt block:
                    return Execute(block.Body, scope, output);
                default:
                    throw new TemplateException($"cannot run a {statement.GetType().Name}", statement.Line);
            }
        }
        catch (TemplateException e) when (e.Line == 0)
        {
            throw new TemplateException(e.Reason, statement.Line) { RaisedByTemplate = e.RaisedByTemplate };
        }
    }

    private Flow For(ForStmt loop, Scope scope, StringBuilder output)
    {
        object? iterable = Evaluate(loop.Iterable, scope);
        if (iterable is null) throw new TemplateException("'NoneType' object is not iterable");
        IReadOnlyList<object?> items = Values.Iterate(iterable);
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (object? item in items)
            {
                var probe = new Scope(scope);
                Bind(loop.Targets, loop.Unpack, item, probe);
                if (Values.Truthy(Evaluate(loop.Filter, probe))) kept.Add(item);
            }
            items = kept;
        }
        if (items.Count == 0)
        {
            return Execute(loop.Else, scope, output);
        }
        for (int i = 0; i < items.Count; i++)
        {
            var body = new Scope(scope);
            Bind(loop.Targets, loop.Unpack, items[i], body);
            body.Set("loop", new LoopInfo(items, i));
            if (Execute(loop.Body, body, output) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    private static void Bind(IReadOnlyList<string> targets, bool unpack, object? value, Scope scope)
    {
        if (!unpack)
        {
            scope.Set(targets[0], value);
            return;
        }
        IReadOnlyList<object?> parts = value is List<object?> list ? list : Values.Iterate(value);
        if (parts.Count != targets.Count)
        {
            throw new TemplateException($"cannot unpack {parts.Count} values into {targets.Count} names");
        }
        for (int i = 0; i < targets.Count; i++) scope.Set(targets[i], parts[i]);
    }

    private void Set(SetStmt set, Scope scope)
    {
        object? value = set.Value is null ? Render(set.Body!, scope) : Evaluate(set.Value, scope);
        if (set.Attribute is not null)
        {
            if (scope.Lookup(set.Targets[0]) is not JinjaNamespace ns)
            {
                throw new TemplateException($"cannot assign attribute '{set.Attribute}' on '{set.Targets[0]}': it is not a namespace");
            }
            ns.Attributes[set.Attribute] = value;
            return;
        }
        Bind(set.Targets, set.Unpack, value, scope);
    }

    public object? Evaluate(Expr expression, Scope scope)
    {
        switch (expression)
        {
            case Literal literal:
                return literal.Value;
            case NameExpr name:
                return scope.Lookup(name.Name);
            case ListExpr list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case TupleExpr tuple:
                return tuple.Items.Select(item => Evaluate(item, scope)).ToList();
            case DictExpr dict:
                {
                    var result = new JinjaDict();
                    foreach ((Expr key, Expr value) in dict.Items)
                    {
                        result[Key(Evaluate(key, scope))] = Evaluate(value, scope);
                    }
                    return result;
                }
            case AttributeExpr attribute:
                return Members.Attribute(Evaluate(attribute.Target, scope), attribute.Name);
            case ItemExpr item:
                return Members.Item(Evaluate(item.Target, scope), Evaluate(item.Index, scope));
            case SliceExpr slice:
                return Members.Slice(
                    Evaluate(slice.Target, scope),
                    slice.Start is null ? null : Evaluate(slice.Start, scope),
                    slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                    slice.Step is null ? null : Evaluate(slice.Step, scope));
            case CallExpr call:
                {
                    object? callee = Evaluate(call.Callee, scope);
                    (List<object?> positional, Dictionary<string, object?> named) = Arguments(call.Args, scope);
                    return Invoke(callee, positional, named, call.Line, call.Callee);
                }
            case FilterExpr filter:
                {
                    object? operand = Evaluate(filter.Operand, scope);
                    (List<object?> positional, Dictionary<string, object?> named) = Arguments(filter.Args, scope);
                    return Filters.Apply(filter.Name, operand, positional, named);
                }
            case TestExpr test:
                {
                    object? operand = Evaluate(test.Operand, scope);
                    (List<object?> positional, _) = Arguments(test.Args, scope);
                    return JinjaTests.Run(test.Name, operand, positional) != test.Negated;
                }
            case UnaryExpr unary:
                {
                    object? operand = Evaluate(unary.Operand, scope);
                    return unary.Operator switch
                    {
                        "not" => !Values.Truthy(operand),
                        "-" => Operators.Negate(operand),
                        _ => Values.IsNumber(operand) ? operand is bool b ? (b ? 1L : 0L) : operand
                            : throw new TemplateException($"bad operand type for unary +: '{Values.TypeName(operand)}'"),
                    };
                }
            case BinaryExpr binary:
                {
                    object? left = Evaluate(binary.Left, scope);
                    return binary.Operator switch
                    {
                        "and" => Values.Truthy(left) ? Evaluate(binary.Right, scope) : left,
                        "or" => Values.Truthy(left) ? left : Evaluate(binary.Right, scope),
                        _ => Operators.Binary(binary.Operator, left, Evaluate(binary.Right, scope)),
                    };
                }
            case ConditionalExpr conditional:
                return Values.Truthy(Evaluate(conditional.Condition, scope))
                    ? Evaluate(conditional.Then, scope)
                    : conditional.Else is null ? Undefined.Value : Evaluate(conditional.Else, scope);
            default:
                throw new TemplateException($"cannot evaluate a {expression.GetType().Name}", expression.Line);
        }
    }

    private static string Key(object? key) => key as string
        ?? throw new TemplateException($"dictionary keys must be strings here, got '{Values.TypeName(key)}'");

    private (List<object?> Positional, Dictionary<string, object?> Named) Arguments(Arguments args, Scope scope)
    {
        var positional = new List<object?>(args.Positional.Count);
        foreach (Expr arg in args.Positional) positional.Add(Evaluate(arg, scope));
        var named = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string name, Expr value) in args.Named) named[name] = Evaluate(value, scope);
        return (positional, named);
    }

    private object? Invoke(object? callee, List<object?> positional, Dictionary<string, object?> named, int line, Expr? what = null)
    {
        if (callee is not ICallable callable)
        {
            string name = what switch
            {
                NameExpr n => $"'{n.Name}'",
                AttributeExpr a => $"'{a.Name}'",
                _ => "the value",
            };
            throw new TemplateException(callee is Undefined
                ? $"{name} is undefined and cannot be called"
                : $"{name} is a '{Values.TypeName(callee)}', which cannot be called", line);
        }
        if (++_depth > MaxDepth)
        {
            _depth = 0;
            throw new TemplateException($"calls nest deeper than {MaxDepth} levels", line);
        }
        try
        {
            return callable.Call(positional, named);
        }
        finally
        {
            _depth--;
        }
    }

    /// <summary>A <c>macro</c> (or a call block's <c>caller</c>): renders its body in a scope of its own.</summary>
    private sealed class Macro(Interpreter interpreter, string name, IReadOnlyList<Parameter> parameters, IReadOnlyList<Stmt> body, Scope defined) : ICallable
    {
        public object? Call(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named)
        {
            var scope = new Scope(defined);
            var extra = new List<object?>();
            for (int i = 0; i < positional.Count; i++)
            {
                if (i < parameters.Count) scope.Set(parameters[i].Name, positional[i]);
                else extra.Add(positional[i]);
            }
            var kwargs = new JinjaDict();
            foreach ((string key, object? value) in named)
            {
                if (key == "caller" || parameters.Any(p => p.Name == key)) scope.Set(key, value);
                else kwargs[key] = value;
            }
            for (int i = positional.Count; i < parameters.Count; i++)
            {
                Parameter parameter = parameters[i];
                if (named.ContainsKey(parameter.Name)) continue;
                scope.Set(parameter.Name, parameter.Default is null ? Undefined.Value : interpreter.Evaluate(parameter.Default, scope));
            }
            scope.Set("varargs", extra);
            scope.Set("kwargs", kwargs);
            var output = new StringBuilder();
            interpreter.Execute(body, scope, output);
            return output.ToString();
        }

        public override string ToString() => $"<macro {name}>";
    }
}
