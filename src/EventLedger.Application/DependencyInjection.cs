using EventLedger.Application.Behaviors;
using EventLedger.Application.Invoices;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Application;

public static class DependencyInjection
{
    /// <summary>Registers the command side except <c>AddMediator()</c> itself, which the host's source generator provides.</summary>
    public static IServiceCollection AddEventLedgerApplication(this IServiceCollection services)
    {
        services.AddSingleton<InvoiceCommandExecutor>();
        services.AddSingleton(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddSingleton(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        return services;
    }
}
