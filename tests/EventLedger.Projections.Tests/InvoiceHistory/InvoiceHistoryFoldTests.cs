using System.Text.Json;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.Tests.Support;

namespace EventLedger.Projections.Tests.InvoiceHistory;

public class InvoiceHistoryFoldTests
{
    [Fact]
    public void Every_event_becomes_a_row_in_version_order()
    {
        var events = SampleInvoices.Events();

        var table = Tables.History(events);

        Assert.Equal(events.Count, table.Count);
        var invoice = table.Values.Where(r => r.InvoiceNumber == "1212121").OrderBy(r => r.Version).ToList();
        Assert.Equal([1L, 2L, 3L, 4L], invoice.Select(r => r.Version));
        Assert.Equal(["VerifierAssigned", "TransactionRecorded", "TransactionRecorded", "TransactionRecorded"], invoice.Select(r => r.EventType));
    }

    [Fact]
    public void A_row_carries_the_event_as_stored()
    {
        var e = SampleInvoices.Events()[1];

        var row = InvoiceHistoryProjection.ToRow(e);

        Assert.Equal((e.EventId, e.SchemaVersion, e.Metadata, e.RecordedAt), (row.EventId, row.SchemaVersion, row.Metadata, row.RecordedAt));
        var payload = JsonDocument.Parse(row.Payload).RootElement;
        Assert.Equal("Client1_trans1xxxx", payload.GetProperty("transactionId").GetString());
        Assert.Equal(100m, payload.GetProperty("amount").GetDecimal());
        Assert.Equal("admin@com", payload.GetProperty("verifier").GetString());
    }

    [Fact]
    public void Redelivered_events_leave_the_rows_unchanged()
    {
        var events = SampleInvoices.Events();

        Tables.AssertSame(Tables.History(events), Tables.History(events, events, [.. events.Skip(2), .. events.Take(3)]));
    }
}
