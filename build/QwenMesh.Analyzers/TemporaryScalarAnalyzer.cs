using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace QwenMesh.Analyzers;

/// <summary>
/// QM0001: a TorchSharp Scalar made on the fly (an implicit or explicit conversion, or ToScalar() passed straight
/// into a call) is unreachable as soon as its native handle has been read. TorchSharp passes that handle to libtorch
/// without GC.KeepAlive, so a GC on another thread can run the Scalar's finalizer, which frees it while the native op
/// still reads it: "Unknown scalar type" or a toFloat assertion at random, under load only. A Scalar that outlives
/// the call (a static or instance field, or a using variable) cannot be freed early. TorchSharp's own arithmetic
/// operators with a number operand, and the methods in <see cref="ConvertingMethods"/>, make such a temporary inside
/// TorchSharp, out of reach of a fix at the call site: they are refused too.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TemporaryScalarAnalyzer : DiagnosticAnalyzer
{
    public const string Id = "QM0001";

    static readonly DiagnosticDescriptor Rule = new(Id,
        "Temporary TorchSharp Scalar",
        "This {0} becomes a temporary TorchSharp Scalar that the GC may finalize while libtorch still reads it; use a Scalar that outlives the call (a field or a using variable)",
        "Reliability", DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>TorchSharp 0.107 methods that take plain numbers and turn them into temporary Scalars internally (read from its source).</summary>
    static readonly ImmutableHashSet<string> ConvertingMethods = ImmutableHashSet.Create("softplus", "softplus_");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            if (scalar is null) return;
            start.RegisterOperationAction(c => OnConversion(c, scalar), OperationKind.Conversion);
            start.RegisterOperationAction(c => OnInvocation(c, scalar), OperationKind.Invocation);
            start.RegisterOperationAction(OnOperator, OperationKind.Binary, OperationKind.CompoundAssignment);
        });
    }

    static void OnConversion(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(conversion.Type, scalar)) return;
        if (!conversion.Conversion.IsUserDefined || Stored(conversion)) return;
        string what = conversion.Operand.Type?.ToDisplayString() ?? "value";
        context.ReportDiagnostic(Diagnostic.Create(Rule, conversion.Syntax.GetLocation(), what));
    }

    static void OnOperator(OperationAnalysisContext context)
    {
        IMethodSymbol? op = context.Operation switch
        {
            IBinaryOperation b => b.OperatorMethod,
            ICompoundAssignmentOperation c => c.OperatorMethod,
            _ => null,
        };
        if (op is null || !InTorchSharp(op)) return;
        foreach (IParameterSymbol p in op.Parameters)
        {
            if (p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Int32
                or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Boolean)
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, context.Operation.Syntax.GetLocation(), $"{p.Type.ToDisplayString()} operand of TorchSharp's {op.Name}"));
                return;
            }
        }
    }

    static bool InTorchSharp(ISymbol symbol) =>
        symbol.ContainingNamespace?.ToDisplayString() is { } ns && (ns == "TorchSharp" || ns.StartsWith("TorchSharp.", System.StringComparison.Ordinal));

    static void OnInvocation(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        var call = (IInvocationOperation)context.Operation;
        if (InTorchSharp(call.TargetMethod) && ConvertingMethods.Contains(call.TargetMethod.Name))
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), $"number argument of TorchSharp's {call.TargetMethod.Name}"));
            return;
        }
        if (!SymbolEqualityComparer.Default.Equals(call.Type, scalar) || Stored(call)) return;
        if (!call.TargetMethod.Name.StartsWith("To", System.StringComparison.Ordinal)) return;
        context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), call.TargetMethod.Name + "() result"));
    }

    /// <summary>True when the new Scalar is kept: it initialises a variable or field, or is assigned to one.</summary>
    static bool Stored(IOperation operation)
    {
        IOperation? parent = operation.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation) parent = parent.Parent;
        return parent is IVariableInitializerOperation or IFieldInitializerOperation or IPropertyInitializerOperation
            || parent is ISimpleAssignmentOperation { Target: IFieldReferenceOperation or IPropertyReferenceOperation or ILocalReferenceOperation };
    }
}
