using System.Globalization;
using System.Text;

namespace StateVault.Benchmarks.Shared;

/// <summary>Inputs shared by the benchmark runners: the same state bytes and the same option parsing everywhere.</summary>
internal static class BenchInput
{
    /// <summary>A plausible manager state of exactly <paramref name="size"/> bytes: many small records (compressible as such states are), padded.</summary>
    public static byte[] Body(int size)
    {
        var builder = new StringBuilder("{\"records\":[");
        var random = new Random(7);
        for (var i = 0; builder.Length < size - 64; i++)
        {
            builder.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{{\"id\":{i},\"value\":{random.Next(100000)},\"name\":\"item-{i}\"}}");
        }

        builder.Append("],\"pad\":\"");
        builder.Append('x', Math.Max(0, size - builder.Length - 2));
        builder.Append("\"}");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>The number after <paramref name="name"/> on the command line, or <paramref name="fallback"/>.</summary>
    public static double Arg(string[] args, string name, double fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? double.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
