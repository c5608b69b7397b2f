using System.Net;
using EventLedger.Cli.Hosting;
using EventLedger.Server;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.Security;

/// <summary>An unexpected failure answers a generic 500 problem: no exception message, type or stack trace reaches the caller.</summary>
[Collection(StackCollection.Name)]
public sealed class ErrorDisclosureTests(StackFixture stack)
{
    private const string Secret = "connection string Password=hunter2 in table internal-x";

    [Fact]
    public async Task An_unhandled_exception_is_a_500_problem_without_exception_text()
    {
        // A read-model catalog that fails: only the API role runs, so nothing but the query endpoints use it.
        await using var app = await TestApp.StartAsync(stack, "disclosure", s => s.AddSingleton<IReadModelCatalog>(new FailingCatalog()), roles: EventLedgerRoles.Api);
        using var response = await app.Http.GetAsync("/invoices/D-1");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("EventLedger.", body, StringComparison.Ordinal);
    }

    private sealed class FailingCatalog : IReadModelCatalog
    {
        public ValueTask<ReadModelTable> LiveTableAsync(string name, CancellationToken cancellationToken) => throw new InvalidOperationException(Secret);
    }
}
