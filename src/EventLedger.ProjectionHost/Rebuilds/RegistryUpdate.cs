using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// One <c>UpdateItem</c> on a registry item, written with the attribute constants of <see cref="RegistryItems"/>: the
/// builder makes the <c>#name</c> and <c>:value</c> placeholders, so no expression spells an attribute name.
/// </summary>
internal sealed class RegistryUpdate(string tableName, Dictionary<string, AttributeValue> key)
{
    private readonly List<string> _sets = [];
    private readonly List<string> _removes = [];
    private readonly List<string> _adds = [];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AttributeValue> _values = new(StringComparer.Ordinal);
    private string? _condition;

    public RegistryUpdate Set(string attribute, AttributeValue value)
    {
        _sets.Add($"{Name(attribute)} = {Value(value)}");
        return this;
    }

    /// <summary>Sets <paramref name="attribute"/> only where the item has none yet.</summary>
    public RegistryUpdate SetIfAbsent(string attribute, AttributeValue value)
    {
        var name = Name(attribute);
        _sets.Add($"{name} = if_not_exists({name}, {Value(value)})");
        return this;
    }

    /// <summary>Sets one entry of a map attribute.</summary>
    public RegistryUpdate SetEntry(string attribute, string entry, AttributeValue value)
    {
        _sets.Add($"{Name(attribute)}.{Name(entry)} = {Value(value)}");
        return this;
    }

    public RegistryUpdate Remove(params string[] attributes)
    {
        _removes.AddRange(attributes.Select(Name));
        return this;
    }

    public RegistryUpdate Add(string attribute, long amount)
    {
        _adds.Add($"{Name(attribute)} {Value(RegistryItems.Number(amount))}");
        return this;
    }

    /// <summary>The write happens only if <paramref name="condition"/> (written with <see cref="Name"/> and <see cref="Value"/>) holds.</summary>
    public RegistryUpdate When(Func<RegistryUpdate, string> condition)
    {
        _condition = condition(this);
        return this;
    }

    /// <summary>The placeholder of an attribute name (the same one each time it is asked for).</summary>
    public string Name(string attribute)
    {
        foreach (var (placeholder, name) in _names)
        {
            if (name == attribute) return placeholder;
        }

        var added = "#n" + _names.Count.ToString(CultureInfo.InvariantCulture);
        _names[added] = attribute;
        return added;
    }

    /// <summary>A fresh placeholder holding <paramref name="value"/>.</summary>
    public string Value(AttributeValue value)
    {
        var placeholder = ":v" + _values.Count.ToString(CultureInfo.InvariantCulture);
        _values[placeholder] = value;
        return placeholder;
    }

    public UpdateItemRequest ToRequest()
    {
        var clauses = new List<string>();
        if (_sets.Count > 0) clauses.Add("SET " + string.Join(", ", _sets));
        if (_removes.Count > 0) clauses.Add("REMOVE " + string.Join(", ", _removes));
        if (_adds.Count > 0) clauses.Add("ADD " + string.Join(", ", _adds));
        return new UpdateItemRequest
        {
            TableName = tableName,
            Key = key,
            UpdateExpression = string.Join(" ", clauses),
            ConditionExpression = _condition,
            ExpressionAttributeNames = _names,
            ExpressionAttributeValues = _values.Count > 0 ? _values : null,
        };
    }
}
