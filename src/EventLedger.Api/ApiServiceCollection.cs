using System.Text.Json.Serialization;
using EventLedger.Api.Http;
using EventLedger.Api.Analytics;
using EventLedger.Api.Invoices;
using EventLedger.Api.OpenApi;
using EventLedger.Api.ReadModels;
using EventLedger.Api.Search;
using EventLedger.Api.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventLedger.Api;

public static class ApiServiceCollection
{
    public static IServiceCollection AddEventLedgerApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.TryAddSingleton<AppliedVersionSignal>();
        services.AddSingleton<ReadYourWrites>();
        services.AddSingleton<ReadModelReader>();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
        return services;
    }

    public static IEndpointRouteBuilder MapEventLedgerApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Scopes per group (docs/adr/0010): on /invoices GET is ledger.read and the commands ledger.write.
        var invoices = app.MapGroup("/invoices").RequireReadOrWriteScopeByMethod();
        invoices.MapInvoiceCommandEndpoints();
        invoices.MapReadModelEndpoints();
        app.MapGroup("").RequireScope(LedgerScopes.Read).MapAnalyticsEndpoints();
        app.MapGroup("").RequireScope(LedgerScopes.Read).MapSearchEndpoints();
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous().Describe(EndpointTags.Service, "Liveness: 200 while the process serves");
        return app;
    }
}
