using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Api.ReadModels;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Processing;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.InvoiceTotals;

namespace EventLedger.IntegrationTests.Api;

/// <summary>
/// Read-your-writes woken by the in-process applied signal, against DynamoDB Local: the wait returns when the projection
/// host reports the version applied (not by re-reading on a schedule), and the app wires the signal end to end.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ReadYourWritesSignalTests(StackFixture stack)
{
    private static readonly DateOnly Day = new(2030, 5, 1);

    [Fact]
    public async Task A_waiting_read_returns_once_the_version_is_published_as_applied_without_polling()
    {
        var (store, table, projection, queries) = await ArrangeAsync("ryw");
        await AppendAsync(store, "SIG-1", "t1", 10m);
        await AppendAsync(store, "SIG-1", "t2", 5m);
        var events = await store.ReadStreamAsync("SIG-1").ToListAsync();

        var signal = new AppliedVersionSignal();
        using var publisher = signal.AddPublisher(table.Name, table.Version);
        // The fallback re-read is far beyond the test: only the signal can end the wait.
        var readYourWrites = new ReadYourWrites(store, TimeProvider.System, signal, localFallbackPoll: TimeSpan.FromMinutes(10));
        var reads = 0;
        InvoiceTotalsRow? row = null;
        var wait = readYourWrites.WaitAsync(table, "SIG-1", 2, _ => true, async ct =>
        {
            Interlocked.Increment(ref reads);
            return (row = await queries.GetAsync("SIG-1", ct))?.LastAppliedVersion ?? 0;
        }, TimeSpan.FromMinutes(5), CancellationToken.None);
        await Probe.UntilAsync(() => Volatile.Read(ref reads) == 1, "the first read of the row");

        // Version 1 applied and published: not enough.
        await projection.ApplyAsync(new ProjectionBatch(events[..1], null), default);
        signal.Publish(table.Name, table.Version, events[..1]);
        signal.Publish(table.Name, table.Version + 1, events); // another version of the read model (a rebuild) does not count
        await Task.Delay(200);
        Assert.False(wait.IsCompleted, "The wait ended before version 2 was applied.");
        Assert.Equal(1, Volatile.Read(ref reads));

        await projection.ApplyAsync(new ProjectionBatch(events[1..], null), default);
        signal.Publish(table.Name, table.Version, events[1..]);
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, reads); // the first read, and one after the signal: nothing polled in between
        Assert.Equal((2L, 15m), (row!.LastAppliedVersion, row.Total));

        // A later read of an applied version: the signal remembers it, so the rows are read once and nothing waits.
        var later = 0;
        Assert.True(await readYourWrites.WaitAsync(table, "SIG-1", 2, _ => true, async ct =>
        {
            later++;
            return (await queries.GetAsync("SIG-1", ct))?.LastAppliedVersion ?? 0;
        }, TimeSpan.FromMinutes(5), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, later);
        Assert.Equal(2, signal.LastApplied(table.Name, table.Version, "SIG-1"));
        Assert.Null(signal.LastApplied(table.Name, table.Version + 2, "SIG-1"));
    }

    [Fact]
    public async Task Without_a_publisher_in_the_process_the_wait_polls_the_rows()
    {
        var (store, table, projection, queries) = await ArrangeAsync("rywp");
        await AppendAsync(store, "SIG-2", "t1", 7m);
        var events = await store.ReadStreamAsync("SIG-2").ToListAsync();

        var readYourWrites = new ReadYourWrites(store, TimeProvider.System, new AppliedVersionSignal(), localFallbackPoll: TimeSpan.FromMinutes(10));
        var reads = 0;
        var wait = readYourWrites.WaitAsync(table, "SIG-2", 1, _ => true, async ct =>
        {
            Interlocked.Increment(ref reads);
            return (await queries.GetAsync("SIG-2", ct))?.LastAppliedVersion ?? 0;
        }, TimeSpan.FromMinutes(5), CancellationToken.None);
        await Probe.UntilAsync(() => Volatile.Read(ref reads) >= 2, "re-reads while nothing is applied");

        await projection.ApplyAsync(new ProjectionBatch(events, null), default); // applied by "another process": no signal
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task The_app_wakes_waiting_reads_of_every_read_model_from_its_own_projection_host()
    {
        await using var app = await TestApp.StartAsync(stack, "rywapp");
        var signal = app.Get<AppliedVersionSignal>();
        await Probe.UntilAsync(() => signal.IsPublished(InvoiceTotalsProjection.ProjectionName, 1), "the host to publish invoice-totals v1");

        var created = await app.Http.PostAsJsonAsync("/invoices/SIG-3/transactions",
            new { transactionId = "t1", amount = 12.5m, currency = "EUR", country = "DEU", invoiceDate = "2030-05-01" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var assigned = await app.Http.PutAsJsonAsync("/invoices/SIG-3/countries/DEU/verifier", new { verifier = "ana" });
        assigned.EnsureSuccessStatusCode();
        var version = (await assigned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();

        var totals = await app.Http.GetFromJsonAsync<JsonElement>($"/invoices/SIG-3?minVersion={version}&waitMs=20000");
        Assert.Equal(version, totals.GetProperty("version").GetInt64());
        var countries = await app.Http.GetFromJsonAsync<JsonElement>($"/invoices/SIG-3/countries?minVersion={version}&waitMs=20000");
        Assert.Equal("ana", countries[0].GetProperty("verifier").GetString());
        // invoice-transactions never sees the verifier change's version on a row; the signal still says it was applied.
        var transactions = await app.Http.GetFromJsonAsync<JsonElement>($"/invoices/SIG-3/transactions?minVersion={version}&waitMs=20000");
        Assert.Equal(1, transactions.GetArrayLength());
        Assert.Equal(1, transactions[0].GetProperty("version").GetInt64());
        var history = await app.Http.GetFromJsonAsync<JsonElement>($"/invoices/SIG-3/history?minVersion={version}&waitMs=20000");
        Assert.Equal(2, history.GetArrayLength());

        // A version that never comes: waited on the signal alone (no reads on the way), the 503 still names where it is.
        var late = await app.Http.GetAsync($"/invoices/SIG-3?minVersion={version + 3}&waitMs=1500");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
        var detail = (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains($"it is at {version}", detail, StringComparison.Ordinal);
    }

    private static Task AppendAsync(InvoiceEventStore store, string invoice, string transactionId, decimal amount) =>
        store.DecideAndAppendAsync(new RecordTransaction(invoice, transactionId, amount, "USD", "USA", Day, null));

    /// <summary>An event store and an invoice-totals v1 table under a new prefix: the projection that writes it and its rows.</summary>
    private async Task<(InvoiceEventStore Store, ReadModelTable Table, IProjection Projection, DynamoDbRows<InvoiceTotalsRow> Rows)> ArrangeAsync(string name)
    {
        var prefix = StackFixture.NewPrefix(name);
        var store = await stack.EventStoreAsync(prefix);
        var table = new ReadModelTable(prefix, InvoiceTotalsProjection.ProjectionName, 1);
        var readModel = new InvoiceTotalsProjection();
        await readModel.Table(table.TableName).CreateIfNotExistsAsync(stack.DynamoDb, CancellationToken.None);
        return (store, table, readModel.CreateProjection(stack.DynamoDb, table.TableName), new DynamoDbRows<InvoiceTotalsRow>(stack.DynamoDb, table.TableName));
    }
}
