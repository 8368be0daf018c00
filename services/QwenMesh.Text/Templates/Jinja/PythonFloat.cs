using System.Globalization;
using System.Text;

namespace QwenMesh.Text.Templates.Jinja;

/// <summary>
/// Python's <c>repr(float)</c> as json.dumps prints it: the shortest digits that round-trip, positional notation
/// for decimal exponents -4 ≤ e &lt; 16 (always with a ".0" when integral), otherwise <c>1.5e+16</c> style with an
/// at-least-two-digit exponent; infinities as <c>Infinity</c>.
/// </summary>
internal static class PythonFloat
{
    /// <summary>Python's <c>str(float)</c>: the same digits, with <c>inf</c> and <c>nan</c> spelled as Python prints them.</summary>
    public static string Str(double value) =>
        double.IsNaN(value) ? "nan" : double.IsInfinity(value) ? (value > 0 ? "inf" : "-inf") : Repr(value);

    public static string Repr(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        string sign = value < 0 || double.IsNegative(value) ? "-" : "";
        (string digits, int point) = ShortestDigits(Math.Abs(value));
        var text = new StringBuilder(sign);
        // point is where the decimal point sits relative to the digits: value = 0.digits × 10^point.
        if (point > -4 && point <= 16)
        {
            if (point <= 0)
            {
                text.Append("0.").Append('0', -point).Append(digits);
            }
            else if (point >= digits.Length)
            {
                text.Append(digits).Append('0', point - digits.Length).Append(".0");
            }
            else
            {
                text.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
            }
            return text.ToString();
        }
        int exponent = point - 1;
        text.Append(digits[0]);
        if (digits.Length > 1)
        {
            text.Append('.').Append(digits, 1, digits.Length - 1);
        }
        text.Append('e').Append(exponent < 0 ? '-' : '+')
            .Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    // .NET's "R" gives the shortest round-trip digits too, just laid out differently ("1E+16", "0.0001").
    private static (string Digits, int Point) ShortestDigits(double magnitude)
    {
        string r = magnitude.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E');
        int exponent = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        string mantissa = e < 0 ? r : r[..e];
        int dot = mantissa.IndexOf('.');
        string digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        int point = (dot < 0 ? mantissa.Length : dot) + exponent;
        int leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.TrimStart('0').TrimEnd('0');
        point -= leadingZeros;
        return digits.Length == 0 ? ("0", 1) : (digits, point);
    }
}
