using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.DynamoDb;

/// <summary>Marks the row property that is the table's partition key.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PartitionKeyAttribute : Attribute;

/// <summary>Marks the row property that is the table's sort key.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SortKeyAttribute : Attribute;

/// <summary>
/// Marks the row property that holds the last stream version applied to the row (the version guard). Without it, the
/// property named <c>LastAppliedVersion</c> is the one.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AppliedVersionAttribute : Attribute;

/// <summary>
/// Maps a row record to a DynamoDB item and back by convention, so a read model declares its row once and no table
/// code: each public property is an attribute named in camelCase; strings, <see cref="Guid"/>s, dates
/// (<c>yyyy-MM-dd</c>), times (ISO 8601, UTC) and enums (camelCase name) are <c>S</c>; integers and decimals are
/// <c>N</c> (invariant, exact); a nested record is an <c>M</c>; a null is left out. Reading goes through the record's
/// primary constructor; an absent number reads as 0 (counters), an absent nullable as null.
/// </summary>
public sealed class RowMapper<TRow> where TRow : class
{
    private readonly Mapping _mapping = Mapping.For(typeof(TRow));
    private readonly MethodInfo _clone = typeof(TRow).GetMethod("<Clone>$")
        ?? throw new InvalidOperationException($"{typeof(TRow).Name} must be a record.");

    public RowMapper()
    {
        var properties = _mapping.Properties;
        PartitionKey = properties.SingleOrDefault(p => p.Info.IsDefined(typeof(PartitionKeyAttribute)))
            ?? throw new InvalidOperationException($"{typeof(TRow).Name} needs one [property: PartitionKey].");
        SortKey = properties.SingleOrDefault(p => p.Info.IsDefined(typeof(SortKeyAttribute)));
        AppliedVersion = properties.SingleOrDefault(p => p.Info.IsDefined(typeof(AppliedVersionAttribute)))
            ?? properties.SingleOrDefault(p => p.Info.Name == "LastAppliedVersion" && p.Info.PropertyType == typeof(long))
            ?? throw new InvalidOperationException($"{typeof(TRow).Name} needs a long LastAppliedVersion or an [property: AppliedVersion].");
        foreach (var key in new[] { PartitionKey, SortKey })
        {
            if (key is not null && key.Kind is not (ValueKind.String or ValueKind.Integer))
            {
                throw new InvalidOperationException($"{typeof(TRow).Name}.{key.Info.Name}: a key is a string or an integer.");
            }
        }
    }

    internal MappedProperty PartitionKey { get; }

    internal MappedProperty? SortKey { get; }

    internal MappedProperty AppliedVersion { get; }

    /// <summary>The table's key schema (attribute names and types) for a table name.</summary>
    public ReadModelTableDefinition Table(string tableName) =>
        new(tableName, PartitionKey.KeyAttribute, SortKey?.KeyAttribute);

    public long AppliedVersionOf(TRow row) => Convert.ToInt64(AppliedVersion.Info.GetValue(row), CultureInfo.InvariantCulture);

    /// <summary>A copy of <paramref name="row"/> with its applied version set: handlers never write the guard themselves.</summary>
    public TRow WithAppliedVersion(TRow row, long version)
    {
        if (AppliedVersionOf(row) == version)
        {
            return row;
        }

        var copy = (TRow)_clone.Invoke(row, null)!;
        AppliedVersion.Info.SetValue(copy, version);
        return copy;
    }

    public Dictionary<string, AttributeValue> ToItem(TRow row) => _mapping.ToItem(row);

    public TRow FromItem(IReadOnlyDictionary<string, AttributeValue> item) => (TRow)_mapping.FromItem(item);

    /// <summary>The key item of a row key (a partition value and, for tables with a sort key, a sort value).</summary>
    public Dictionary<string, AttributeValue> Key(RowKey key)
    {
        var item = new Dictionary<string, AttributeValue>(2) { [PartitionKey.Name] = PartitionKey.ToAttribute(key.Partition)! };
        if (SortKey is not null)
        {
            item[SortKey.Name] = SortKey.ToAttribute(key.Sort ?? throw new ArgumentException($"{typeof(TRow).Name} rows need a sort key value.", nameof(key)))!;
        }

        return item;
    }

    public RowKey KeyOf(TRow row) => new((string)PartitionKey.Info.GetValue(row)!, SortKey?.Info.GetValue(row));

    internal enum ValueKind { String, Integer, Decimal, Time, Date, Guid, Enum, Record }

    internal sealed class MappedProperty(PropertyInfo info, ValueKind kind, bool nullable, Mapping? nested)
    {
        public PropertyInfo Info { get; } = info;
        public string Name { get; } = JsonNamingPolicy.CamelCase.ConvertName(info.Name);
        public ValueKind Kind { get; } = kind;
        public bool Nullable { get; } = nullable;

        public KeyAttribute KeyAttribute => new(Name, Kind == ValueKind.String ? ScalarAttributeType.S : ScalarAttributeType.N);

        public AttributeValue? ToAttribute(object? value) => value switch
        {
            null => null,
            string s => new AttributeValue { S = s },
            DateTimeOffset t => new AttributeValue { S = t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
            DateOnly d => new AttributeValue { S = d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
            Guid g => new AttributeValue { S = g.ToString() },
            Enum e => new AttributeValue { S = JsonNamingPolicy.CamelCase.ConvertName(e.ToString()) },
            IFormattable n when Kind is ValueKind.Integer or ValueKind.Decimal =>
                new AttributeValue { N = n.ToString(null, CultureInfo.InvariantCulture) },
            _ when nested is not null => new AttributeValue { M = nested.ToItem(value) },
            _ => throw new InvalidOperationException($"{Info.DeclaringType?.Name}.{Info.Name}: cannot map {value.GetType().Name}."),
        };

        public object? FromAttribute(AttributeValue? value)
        {
            var type = System.Nullable.GetUnderlyingType(Info.PropertyType) ?? Info.PropertyType;
            if (value is null || (value.NULL ?? false))
            {
                return Kind switch
                {
                    _ when Nullable => null,
                    ValueKind.Integer or ValueKind.Decimal => Activator.CreateInstance(type), // a counter kept with ADD: absent is 0
                    _ => throw new InvalidDataException($"Read-model item has no '{Name}' attribute."),
                };
            }

            return Kind switch
            {
                ValueKind.String => value.S,
                ValueKind.Integer => Convert.ChangeType(long.Parse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture), type, CultureInfo.InvariantCulture),
                ValueKind.Decimal => decimal.Parse(value.N, NumberStyles.Float, CultureInfo.InvariantCulture),
                ValueKind.Time => DateTimeOffset.Parse(value.S, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                ValueKind.Date => DateOnly.ParseExact(value.S, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                ValueKind.Guid => Guid.Parse(value.S),
                ValueKind.Enum => Enum.Parse(type, value.S, ignoreCase: true),
                _ => nested!.FromItem(value.M ?? []),
            };
        }
    }

    internal sealed class Mapping
    {
        private static readonly NullabilityInfoContext Nullability = new();
        private readonly ConstructorInfo _constructor;
        private readonly MappedProperty[] _byParameter;

        private Mapping(Type type)
        {
            Properties = [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
                .Select(Map)];
            _constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            _byParameter = [.. _constructor.GetParameters().Select(p =>
                Properties.SingleOrDefault(m => string.Equals(m.Info.Name, p.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"{type.Name}: constructor parameter '{p.Name}' has no property."))];
        }

        public IReadOnlyList<MappedProperty> Properties { get; }

        public static Mapping For(Type type) => new(type);

        public Dictionary<string, AttributeValue> ToItem(object row)
        {
            var item = new Dictionary<string, AttributeValue>(Properties.Count);
            foreach (var property in Properties)
            {
                if (property.ToAttribute(property.Info.GetValue(row)) is { } value)
                {
                    item[property.Name] = value;
                }
            }

            return item;
        }

        public object FromItem(IReadOnlyDictionary<string, AttributeValue> item) =>
            _constructor.Invoke([.. _byParameter.Select(p => p.FromAttribute(item.GetValueOrDefault(p.Name)))]);

        private static MappedProperty Map(PropertyInfo property)
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var nullable = Nullable.GetUnderlyingType(property.PropertyType) is not null
                || (!property.PropertyType.IsValueType && Nullability.Create(property).ReadState == NullabilityState.Nullable);
            var kind = type switch
            {
                _ when type == typeof(string) => ValueKind.String,
                _ when type == typeof(long) || type == typeof(int) => ValueKind.Integer,
                _ when type == typeof(decimal) => ValueKind.Decimal,
                _ when type == typeof(DateTimeOffset) => ValueKind.Time,
                _ when type == typeof(DateOnly) => ValueKind.Date,
                _ when type == typeof(Guid) => ValueKind.Guid,
                _ when type.IsEnum => ValueKind.Enum,
                _ when type.IsClass => ValueKind.Record,
                _ => throw new InvalidOperationException($"{property.DeclaringType?.Name}.{property.Name}: {type.Name} has no DynamoDB mapping."),
            };
            return new MappedProperty(property, kind, nullable, kind == ValueKind.Record ? For(type) : null);
        }
    }
}

/// <summary>Which row an event touches: the partition value (the invoice) and, for tables with one, the sort value.</summary>
public readonly record struct RowKey(string Partition, object? Sort);
