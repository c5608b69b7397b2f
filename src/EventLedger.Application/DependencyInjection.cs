using EventLedger.Application.Behaviors;
using EventLedger.Application.Invoices;
using EventLedger.Application.Invoices.HeadCache;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventLedger.Application;

public static class DependencyInjection
{
    /// <summary>Registers the command side except <c>AddMediator()</c> itself, which the host's source generator provides.
    /// An <see cref="InvoiceHeadCacheOptions"/> registered before wins over the defaults.</summary>
    public static IServiceCollection AddEventLedgerApplication(this IServiceCollection services)
    {
        services.TryAddSingleton(new InvoiceHeadCacheOptions());
        services.AddSingleton<CommandMetrics>();
        services.AddSingleton<InvoiceHeadCache>();
        services.AddSingleton<InvoiceAppender>();
        services.AddSingleton(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddSingleton(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        return services;
    }
}
