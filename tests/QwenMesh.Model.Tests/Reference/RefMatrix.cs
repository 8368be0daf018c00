namespace QwenMesh.Model.Tests.Reference;

/// <summary>A dense [rows, cols] matrix (a Linear weight [out, in]); <see cref="Apply"/> computes W x.</summary>
public sealed class RefMatrix
{
    public RefMatrix(int rows, int cols, double[] data, int offset = 0)
    {
        if (offset + (long)rows * cols > data.Length)
            throw new ArgumentException($"a [{rows}, {cols}] matrix at {offset} does not fit in {data.Length} values");
        Rows = rows;
        Cols = cols;
        Data = new double[rows * cols];
        Array.Copy(data, offset, Data, 0, Data.Length);
    }

    public int Rows { get; }
    public int Cols { get; }
    /// <summary>Row-major elements; tests may edit them to perturb the model.</summary>
    public double[] Data { get; }

    public double this[int row, int col] => Data[row * Cols + col];

    public double[] Apply(double[] x)
    {
        if (x.Length != Cols) throw new ArgumentException($"input of length {x.Length} for a [{Rows}, {Cols}] matrix");
        var y = new double[Rows];
        for (int r = 0; r < Rows; r++)
        {
            double sum = 0;
            int row = r * Cols;
            for (int c = 0; c < Cols; c++) sum += Data[row + c] * x[c];
            y[r] = sum;
        }
        return y;
    }

    /// <summary>A copy of row <paramref name="row"/> (an embedding lookup).</summary>
    public double[] Row(int row)
    {
        if (row < 0 || row >= Rows) throw new ArgumentOutOfRangeException(nameof(row));
        var r = new double[Cols];
        Array.Copy(Data, row * Cols, r, 0, Cols);
        return r;
    }
}
