using System.Text.Json.Serialization;
using EventLedger.Api.Http;
using EventLedger.Api.Analytics;
using EventLedger.Api.Invoices;
using EventLedger.Api.ReadModels;
using EventLedger.Api.Projections;
using EventLedger.Api.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using EventLedger.ProjectionHost.Processing;
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
        var invoices = app.MapGroup("/invoices");
        invoices.MapInvoiceCommandEndpoints();
        invoices.MapReadModelEndpoints();
        app.MapProjectionEndpoints();
        app.MapAnalyticsEndpoints();
        app.MapSearchEndpoints();
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }));
        return app;
    }
}
