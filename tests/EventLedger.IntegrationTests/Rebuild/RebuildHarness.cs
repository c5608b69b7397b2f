using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>Helpers for rebuild tests: fast options, seeding the event store directly, an independent fold, table snapshots.</summary>
public static class RebuildHarness
{
    public static RebuildOptions FastOptions(int pageSize = 500, int segments = 2, bool autoRebuild = false) => new()
    {
        RebuildPageSize = pageSize,
        RebuildSegments = segments,
        RebuildGracePeriod = TimeSpan.FromSeconds(1),
        RebuildHeartbeatInterval = TimeSpan.FromMilliseconds(300),
        RebuildStaleAfter = TimeSpan.FromSeconds(3),
        FollowInterval = TimeSpan.FromMilliseconds(300),
        AutoRebuildOnSchemaChange = autoRebuild,
    };

    public static Action<IServiceCollection> With(RebuildOptions options, params Func<IServiceProvider, HostedReadModel>[] extra) => services =>
    {
        services.AddSingleton(options);
        foreach (var readModel in extra)
        {
            services.AddSingleton(readModel);
        }
    };

    /// <summary>
    /// A read model named <paramref name="name"/> that declares <paramref name="schemaVersion"/>, with the invoice-totals
    /// projection underneath (a table per version under <paramref name="prefix"/>); <paramref name="around"/> may wrap a
    /// version's projection.
    /// </summary>
    private static readonly InvoiceTotalsProjection Totals = new();

    public static Func<IServiceProvider, HostedReadModel> InvoiceTotalsAs(string prefix, string name, int schemaVersion,
        Func<int, IProjection, IProjection>? around = null) => sp =>
    {
        var db = sp.GetRequiredService<IAmazonDynamoDB>();
        string Table(int version) => new ReadModelTable(prefix, name, version).TableName;
        return new HostedReadModel(name, schemaVersion, async (version, ct) =>
        {
            await Totals.Table(Table(version)).CreateIfNotExistsAsync(db, ct);
            IProjection projection = new ProjectionAs(Totals.CreateProjection(db, Table(version)), name, schemaVersion);
            return new HostedProjection(around?.Invoke(version, projection) ?? projection);
        }, (version, ct) => Totals.Table(Table(version)).DeleteIfExistsAsync(db, ct));
    };

    /// <summary>A skewed mix: a few hot invoices with many transactions, adjustments and voids, many cold ones.</summary>
    public static EventLog SkewedLog(int hotInvoices, int hotTransactions, int coldInvoices)
    {
        var log = new EventLog();
        var random = new Random(42);
        for (var h = 0; h < hotInvoices; h++)
        {
            var invoice = log.On($"hot-{h}").Assign("USA", "alice");
            for (var t = 0; t < hotTransactions; t++)
            {
                invoice.Record($"t{t:D5}", random.Next(-50, 500), t % 3 == 0 ? "USA" : "UK");
                if (t % 7 == 3) invoice.Adjust($"t{t - 1:D5}", random.Next(0, 900));
                if (t % 11 == 5) invoice.Void($"t{t - 2:D5}");
            }
        }

        for (var c = 0; c < coldInvoices; c++)
        {
            var invoice = log.On($"cold-{c:D5}");
            if (c % 4 == 0) invoice.Assign("DE", "bob");
            invoice.Record("a", random.Next(1, 100), "DE", "EUR");
            if (c % 3 == 0) invoice.Record("b", random.Next(1, 100), "FR", "EUR").Adjust("a", 7);
            if (c % 5 == 0) invoice.Void("a");
        }

        return log;
    }

    /// <summary>Writes events straight into the event store with BatchWriteItem (what a long-lived ledger already holds).</summary>
    public static async Task SeedAsync(IAmazonDynamoDB db, string prefix, IReadOnlyList<StoredEvent> events)
    {
        var table = new EventStoreTables(prefix).Events;
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(events.Chunk(25).Select(async chunk =>
        {
            await gate.WaitAsync();
            try
            {
                var request = new Dictionary<string, List<WriteRequest>>
                {
                    [table] = [.. chunk.Select(e => new WriteRequest(new PutRequest(EventItem.ToItem(e))))],
                };
                while (request.Count > 0)
                {
                    var response = await db.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = request });
                    request = response.UnprocessedItems is { Count: > 0 } left ? left : [];
                }
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>Every event of the event store, by invoice and version.</summary>
    public static async Task<List<StoredEvent>> AllEventsAsync(IAmazonDynamoDB db, string prefix)
    {
        var events = new List<StoredEvent>();
        var request = new ScanRequest { TableName = new EventStoreTables(prefix).Events, ConsistentRead = true };
        do
        {
            var page = await db.ScanAsync(request);
            events.AddRange((page.Items ?? []).Where(EventItem.IsEvent).Select(EventItem.FromItem));
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);

        return [.. events.OrderBy(e => e.StreamId, StringComparer.Ordinal).ThenBy(e => e.Version)];
    }

    /// <summary>The independent answer: a fresh table of the read model with every event applied at once, snapshotted.</summary>
    public static async Task<IReadOnlyList<string>> FoldSnapshotAsync(IAmazonDynamoDB db, string readModel, IReadOnlyList<StoredEvent> events)
    {
        var table = new ReadModelTable(StackFixture.NewPrefix("fold"), readModel, 1);
        var registration = (IDynamoDbReadModel)ReadModelCatalog.Named(readModel);
        await registration.Table(table.TableName).CreateIfNotExistsAsync(db, CancellationToken.None);
        var projection = registration.CreateProjection(db, table.TableName);
        try
        {
            foreach (var chunk in events.Chunk(5000))
            {
                await projection.ApplyAsync(new ProjectionBatch(chunk, null), CancellationToken.None);
            }

            return await SnapshotAsync(db, table.TableName);
        }
        finally
        {
            await registration.Table(table.TableName).DeleteIfExistsAsync(db, CancellationToken.None);
        }
    }

    public static async Task<IReadOnlyList<string>> SnapshotAsync(IAmazonDynamoDB db, string tableName)
    {
        var items = new List<string>();
        var request = new ScanRequest { TableName = tableName, ConsistentRead = true };
        do
        {
            var page = await db.ScanAsync(request);
            items.AddRange((page.Items ?? []).Select(ItemText.Render));
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);

        items.Sort(StringComparer.Ordinal);
        return items;
    }

    public static async Task<bool> TableExistsAsync(IAmazonDynamoDB db, string tableName)
    {
        try
        {
            await db.DescribeTableAsync(tableName);
            return true;
        }
        catch (ResourceNotFoundException)
        {
            return false;
        }
    }

    public static async Task<JsonElement?> StatusAsync(HttpClient http, string readModel)
    {
        var response = await http.GetAsync($"/projections/{readModel}/rebuild");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    public static async Task<JsonElement> WaitForStateAsync(HttpClient http, string readModel, string state, TimeSpan timeout)
    {
        JsonElement? last = null;
        await Probe.UntilAsync(async () =>
        {
            last = await StatusAsync(http, readModel);
            return last is { } s && s.GetProperty("state").GetString() == state;
        }, $"rebuild of {readModel} to be {state}", timeout, () => last?.ToString() ?? "no rebuild");
        return last!.Value;
    }
}

/// <summary>A projection under another name and schema version, optionally waiting for something before each apply.</summary>
public sealed class ProjectionAs(IProjection inner, string name, int schemaVersion, Func<CancellationToken, Task>? beforeApply = null) : IProjection
{
    public string Name => name;

    public int SchemaVersion => schemaVersion;

    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        if (beforeApply is not null) await beforeApply(cancellationToken);
        await inner.ApplyAsync(batch, cancellationToken);
    }
}
