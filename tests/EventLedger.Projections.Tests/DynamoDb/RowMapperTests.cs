using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.Tests.DynamoDb;

/// <summary>The row convention of <see cref="RowMapper{TRow}"/>: every kind of property each way, the guard and the keys.</summary>
public class RowMapperTests
{
    public enum Shade { Light, DarkBlue }

    public sealed record Nested(string Label, long Count);

    public sealed record EveryKind(
        [property: PartitionKey] string Invoice,
        [property: SortKey] string Line,
        decimal Amount,
        int Small,
        long Counter,
        long? Maybe,
        string? Note,
        DateTimeOffset At,
        DateOnly Day,
        Guid Id,
        Shade Shade,
        Nested Inner,
        long LastAppliedVersion);

    internal sealed record VersionKeyed([property: PartitionKey] string Invoice, [property: SortKey, AppliedVersion] int Version, string Text);

    private static readonly EveryKind Sample = new(
        "inv-1", "t-1", 0.10m, 7, 12_345_678_901, null, null,
        new DateTimeOffset(2026, 12, 3, 9, 30, 15, 123, TimeSpan.FromHours(2)), new DateOnly(2026, 2, 28),
        Guid.Parse("9b8e2f4c-0d1a-4c3b-9e7f-5a6b7c8d9e0f"), Shade.DarkBlue, new Nested("n", 3), 41);

    private readonly RowMapper<EveryKind> _rows = new();

    [Fact]
    public void A_row_maps_to_the_conventional_attributes()
    {
        var item = _rows.ToItem(Sample);

        Assert.Equal("inv-1", item["invoice"].S);
        Assert.Equal("0.10", item["amount"].N);
        Assert.Equal("7", item["small"].N);
        Assert.Equal("12345678901", item["counter"].N);
        Assert.False(item.ContainsKey("maybe"));
        Assert.False(item.ContainsKey("note"));
        Assert.Equal("2026-12-03T07:30:15.1230000Z", item["at"].S);
        Assert.Equal("2026-02-28", item["day"].S);
        Assert.Equal("9b8e2f4c-0d1a-4c3b-9e7f-5a6b7c8d9e0f", item["id"].S);
        Assert.Equal("darkBlue", item["shade"].S);
        Assert.Equal("n", item["inner"].M["label"].S);
        Assert.Equal("3", item["inner"].M["count"].N);
        Assert.Equal("41", item["lastAppliedVersion"].N);
    }

    [Fact]
    public void A_row_reads_back_equal_with_its_values_set()
    {
        var full = Sample with { Maybe = -5, Note = "checked" };

        Assert.Equal(Sample, _rows.FromItem(_rows.ToItem(Sample)));
        Assert.Equal(full, _rows.FromItem(_rows.ToItem(full)));
        Assert.Equal(TimeSpan.Zero, _rows.FromItem(_rows.ToItem(Sample)).At.Offset);
    }

    [Fact]
    public void Absent_counters_read_as_zero_absent_nullables_as_null_and_an_absent_required_value_is_an_error()
    {
        var item = _rows.ToItem(Sample);
        item.Remove("counter");
        item.Remove("small");
        item.Remove("amount");

        var row = _rows.FromItem(item);
        Assert.Equal((0L, 0, 0m, null, null), (row.Counter, row.Small, row.Amount, row.Maybe, row.Note));

        item.Remove("day");
        var error = Assert.Throws<InvalidDataException>(() => _rows.FromItem(item));
        Assert.Contains("'day'", error.Message);
    }

    [Fact]
    public void The_guard_is_read_and_set_on_a_copy()
    {
        Assert.Equal(41, _rows.AppliedVersionOf(Sample));

        var next = _rows.WithAppliedVersion(Sample, 42);
        Assert.Equal(42, next.LastAppliedVersion);
        Assert.Equal(41, Sample.LastAppliedVersion);
        Assert.Equal(Sample with { LastAppliedVersion = 42 }, next);
        Assert.Same(Sample, _rows.WithAppliedVersion(Sample, 41));
    }

    [Fact]
    public void An_int_applied_version_key_of_a_non_public_row_is_mapped_too()
    {
        var rows = new RowMapper<VersionKeyed>();
        var row = new VersionKeyed("inv-2", 3, "x");

        Assert.Equal(3, rows.AppliedVersionOf(row));
        Assert.Equal(row with { Version = 9 }, rows.WithAppliedVersion(row, 9));
        Assert.Equal(row, rows.FromItem(rows.ToItem(row)));
        Assert.Equal(new RowKey("inv-2", 3), rows.KeyOf(row));
        Assert.Equal("3", rows.Key(new RowKey("inv-2", 3))["version"].N);
    }

    [Fact]
    public void Keys_name_the_partition_and_sort_attributes()
    {
        Assert.Equal(new RowKey("inv-1", "t-1"), _rows.KeyOf(Sample));
        var key = _rows.Key(new RowKey("inv-1", "t-1"));
        Assert.Equal(["invoice", "line"], key.Keys.Order());
        Assert.Equal(("inv-1", "t-1"), (key["invoice"].S, key["line"].S));
        var table = _rows.Table("t");
        Assert.Equal(("invoice", "line"), (table.PartitionKey.Name, table.SortKey!.Name));
    }
}
