using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.IntegrationTests.Fixtures;

/// <summary>A DynamoDB item as one comparable line: attributes sorted by name, numbers compared by value.</summary>
public static class ItemText
{
    public static string Render(Dictionary<string, AttributeValue> item) =>
        "{" + string.Join(",", item.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{Render(kv.Value)}")) + "}";

    private static string Render(AttributeValue value) => value switch
    {
        { S: { } s } => "S" + s,
        // Numbers compare by value: an ADD and a Put of the same sum may differ in trailing zeros.
        { N: { } n } => "N" + decimal.Parse(n, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("G29", CultureInfo.InvariantCulture),
        { M: { } m } => "M" + Render(m),
        { BOOL: { } b } => "B" + b,
        { NULL: true } => "NULL",
        { L: { } l } => "L[" + string.Join(",", l.Select(Render)) + "]",
        _ => "?",
    };
}
