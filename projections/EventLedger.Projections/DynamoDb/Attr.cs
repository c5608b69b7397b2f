using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.DynamoDb;

/// <summary>AttributeValue conversions shared by the read-model tables. Numbers are written invariantly and exactly.</summary>
internal static class Attr
{
    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue N(decimal value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue Time(DateTimeOffset value) =>
        new() { S = value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) };

    public static AttributeValue Date(DateOnly value) =>
        new() { S = value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) };

    public static string GetS(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.S is { } s ? s : throw Missing(name);

    public static string? GetOptionalS(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) ? v.S : null;

    public static long GetLong(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? long.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture) : throw Missing(name);

    /// <summary>A counter kept with <c>ADD</c>: absent means zero.</summary>
    public static long GetCounter(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? long.Parse(n, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0;

    public static decimal GetDecimal(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? decimal.Parse(n, NumberStyles.Float, CultureInfo.InvariantCulture) : throw Missing(name);

    public static DateTimeOffset GetTime(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        DateTimeOffset.Parse(GetS(item, name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public static DateOnly GetDate(IReadOnlyDictionary<string, AttributeValue> item, string name) =>
        DateOnly.ParseExact(GetS(item, name), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static InvalidDataException Missing(string name) =>
        new($"Read-model item has no valid '{name}' attribute.");
}
