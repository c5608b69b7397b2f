using System.Net.Http.Json;
using System.Text.Json;
using Amazon.Runtime;
using EventLedger.Archive;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Format;
using EventLedger.Archive.Targets;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.IntegrationTests.Reactions;
using EventLedger.Projections.Tests.Support;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>
/// The archive in S3, on the fauxqs emulator: stored, queried (objects fetched into the local cache) and verified through
/// the S3 API; and the Object Lock retention sent with every object. fauxqs does not implement Object Lock (ADR 0013), so the
/// test checks the headers on the wire, and that the emulator still stores the object.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveS3Tests(StackFixture stack, AwsEmulatorFixture s3) : IClassFixture<AwsEmulatorFixture>
{
    [Fact]
    public async Task The_archive_stores_queries_and_verifies_through_S3_and_sees_an_object_deleted_from_the_bucket()
    {
        var bucket = $"ledger-archive-{Guid.NewGuid():N}"[..30];
        var archive = new Dictionary<string, string?>
        {
            ["Archive:Bucket"] = bucket,
            ["Archive:ServiceUrl"] = s3.Endpoint,
            ["Archive:Prefix"] = "prod",
            ["Archive:BufferInterval"] = "1",
            ["Archive:BufferSize"] = "3KB",
            ["Archive:CacheDirectory"] = NewDirectory("s3cache"),
        };
        await using var app = await StartAsync(stack, "ar-s3", archive, batchSize: 10);
        var log = new EventLog();
        for (var i = 0; i < 30; i++) log.On($"S3-{i % 3}").Record($"t{i}", i * 1.5m, "USA");
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        var report = await WaitUntilArchivedAsync(app.Http, log.Events.Count);
        Assert.StartsWith($"s3://{bucket}/prod/", report.GetProperty("location").GetString(), StringComparison.Ordinal);

        var query = await app.Http.PostAsJsonAsync("/archive/query", new { sql = "select count(*) as events, sum(amount) as total from events" });
        var answer = await query.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(query.IsSuccessStatusCode, answer.ToString());
        var row = Assert.Single(answer.GetProperty("rows").EnumerateArray());
        Assert.Equal(30, row.GetProperty("events").GetInt64());
        Assert.Equal(Enumerable.Range(0, 30).Sum(i => i * 1.5m), row.GetProperty("total").GetDecimal());

        // Under the prefix, the layout of a directory archive; then one object deleted by hand from the bucket.
        using var target = new S3Target(Settings(bucket, "prod"));
        var keys = new List<string>();
        await foreach (var o in target.ListAsync(ArchiveLayout.DataFolder, null, default)) keys.Add(o.Key);
        Assert.True(keys.Count >= 2, string.Join(", ", keys));
        Assert.All(keys, k => Assert.Matches(@"^invoices/year=2026/month=01/day=01/shardId-[\w-]+-\d+-\d+\.parquet$", k));
        await target.DeleteAsync(keys[0], default);

        report = await StatusAsync(app.Http);
        Assert.False(report.GetProperty("complete").GetBoolean());
        Assert.Equal([keys[0]], report.GetProperty("missingObjects").EnumerateArray().Select(k => k.GetString()));
        Assert.True(report.GetProperty("missingEventCount").GetInt64() > 0);
    }

    [Fact]
    public async Task Every_object_is_sent_with_a_seven_year_compliance_retention_and_its_SHA256()
    {
        var recorder = new RecordingHttpClientFactory();
        var bucket = $"ledger-lock-{Guid.NewGuid():N}"[..28];
        using var target = new S3Target(Settings(bucket, ""), httpClientFactory: recorder);
        await target.EnsureReadyAsync(default);
        var content = "PAR1 not really"u8.ToArray();
        await target.PutAsync("invoices/year=2026/month=01/day=01/x-0-1.parquet", content, retain: true, default);

        var put = recorder.Requests.Last(r => r.Method == HttpMethod.Put);
        Assert.Equal("COMPLIANCE", put.Headers["x-amz-object-lock-mode"]);
        var until = DateTimeOffset.Parse(put.Headers["x-amz-object-lock-retain-until-date"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(until, DateTimeOffset.UtcNow.AddYears(7).AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(7).AddMinutes(5));
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(content)), put.Headers["x-amz-checksum-sha256"]);
        Assert.Equal(content, await target.GetAsync("invoices/year=2026/month=01/day=01/x-0-1.parquet", default));

        // The bucket was created asking for Object Lock; with retention 0 no lock is asked for an object.
        Assert.Contains(recorder.Requests, r => r.Method == HttpMethod.Put && r.Headers.GetValueOrDefault("x-amz-bucket-object-lock-enabled") == "true");
        using var unlocked = new S3Target(Settings(bucket, "") with { RetentionYears = 0 }, httpClientFactory: recorder);
        await unlocked.PutAsync("other.parquet", content, retain: true, default);
        Assert.False(recorder.Requests.Last(r => r.Method == HttpMethod.Put).Headers.ContainsKey("x-amz-object-lock-mode"));
    }

    private ArchiveSettings Settings(string bucket, string prefix) =>
        new ArchiveOptions { Bucket = bucket, ServiceUrl = s3.Endpoint, Prefix = prefix }.Resolve();

    /// <summary>The SDK's HTTP client with a handler that notes each request's headers (the emulator still answers).</summary>
    private sealed class RecordingHttpClientFactory : HttpClientFactory
    {
        public List<(HttpMethod Method, Dictionary<string, string> Headers)> Requests { get; } = [];

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Recorder(this, new HttpClientHandler()));

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;

        private sealed class Recorder(RecordingHttpClientFactory owner, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                    .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
                lock (owner.Requests) owner.Requests.Add((request.Method, headers));
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
