using System.Diagnostics;
using System.Net;
using System.Text;
using EventLedger.Api.Security;
using EventLedger.IntegrationTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.Security;

/// <summary>The per-principal token bucket: the defaults let the benchmarks' command rate through; a low limit answers 429 with Retry-After.</summary>
[Collection(StackCollection.Name)]
public sealed class RateLimitTests(StackFixture stack, ITestOutputHelper output)
{
    private static StringContent Record(int i) => new(
        $$"""{"transactionId":"t{{i}}","amount":1,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", Encoding.UTF8, "application/json");

    [Fact]
    public void The_defaults_sustain_four_times_the_benchmarks_command_rate()
    {
        // The benchmarks send up to ~250 commands/s from one principal (docs/benchmarks.md), in bursts of their concurrency.
        var bucket = LedgerRateLimiting.BucketOf(new EventLedgerLimitsOptions());
        var sustained = bucket.TokensPerPeriod / bucket.ReplenishmentPeriod.TotalSeconds;
        Assert.True(sustained >= 4 * 250, $"default sustained rate {sustained}/s");
        Assert.True(bucket.TokenLimit >= 4 * 250, $"default burst {bucket.TokenLimit}");
        Assert.Equal(0, bucket.QueueLimit);
    }

    [Fact]
    public async Task Commands_from_one_principal_as_fast_as_the_server_takes_them_are_not_throttled_by_the_defaults()
    {
        await using var app = await TestApp.StartAsync(stack, "ratedefault");
        const int commands = 600;
        var next = 0;
        var statuses = new List<HttpStatusCode>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) <= commands;)
            {
                using var response = await app.Http.PostAsync($"/invoices/RATE-{worker}/transactions", Record(i));
                lock (statuses) statuses.Add(response.StatusCode);
            }
        }));
        output.WriteLine($"{commands} commands in {clock.Elapsed.TotalSeconds:0.0} s = {commands / clock.Elapsed.TotalSeconds:0} commands/s from one principal");

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));
    }

    [Fact]
    public async Task Over_a_low_limit_a_principal_gets_429_with_Retry_After_and_others_are_unaffected()
    {
        await using var app = await TestApp.StartAsync(stack, "ratelow", s => s.AddSingleton(new EventLedgerLimitsOptions { PermitsPerSecond = 1, Burst = 3 }));
        var issuer = app.Get<LocalTokenIssuer>();

        async Task<HttpResponseMessage> Get(string subject)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/projections");
            request.Headers.Authorization = issuer.Bearer(subject, [LedgerScopes.Operate], TimeSpan.FromMinutes(5));
            return await app.Http.SendAsync(request);
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Get("noisy")));
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {r.Headers.RetryAfter}"));
        var problem = await rejected[0].Content.ReadJsonAsync();
        Assert.Equal("rate-limited", problem.GetProperty("code").GetString());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());

        using var quiet = await Get("quiet");
        Assert.Equal(HttpStatusCode.OK, quiet.StatusCode);
        foreach (var r in responses) r.Dispose();
    }
}
