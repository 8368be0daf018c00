namespace QwenMesh.Model.Tests.Reference;

/// <summary>A tensor read from a checkpoint: its shape and its elements in row-major order, widened to double.</summary>
public sealed record RefTensor(long[] Shape, double[] Data)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    public bool HasShape(params long[] shape) => Shape.SequenceEqual(shape);

    public override string ToString() => $"[{string.Join(", ", Shape)}]";
}
