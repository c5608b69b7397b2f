using System.CommandLine;
using EventLedger.Cli.Commands;
using EventLedger.Cli.Demo;
using EventLedger.Cli.Hosting;

var root = new RootCommand("EventLedger: an event-sourced invoice ledger on DynamoDB")
{
    DemoCommand.Create(),
    ServeCommand.Create(),
    ProjectionsCommand.Create(),
    DeadLettersCommand.Create(),
    AnalyticsCommand.Create(),
    ArchiveCommand.Create(),
    TokenCommand.Create(),
    ConsoleCommand.Create(),
    ReactionsCommand.Create(),
    SearchCommand.Create(),
    MemoryCommand.Create(),
};

try
{
    // Our handler below turns failures an operator can fix into one line; anything else still gets its stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (CliErrors.Describe(ex) is { } message)
{
    await Console.Error.WriteLineAsync($"eventledger: {message}");
    return 1;
}
