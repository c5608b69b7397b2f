using EventLedger.Api.Http;
using EventLedger.Domain.Invoices;
using Microsoft.AspNetCore.Http;

namespace EventLedger.Api.Invoices;

/// <summary>What a command endpoint reads besides the route: the headers (<see cref="CommandHeaders"/>) and, for commands
/// with one, the JSON body. Errors found while reading are collected, not answered, so that validation reports them.</summary>
internal sealed class CommandInput
{
    private readonly CommandOptions _options;
    private readonly List<FieldError> _headerErrors;
    private readonly JsonBody? _body;

    private CommandInput(CommandOptions options, List<FieldError> headerErrors, JsonBody? body)
    {
        _options = options;
        _headerErrors = headerErrors;
        _body = body;
    }

    /// <summary>The request's JSON body; only for commands read <c>withBody</c>.</summary>
    public JsonBody Body => _body ?? throw new InvalidOperationException("This command was read without a body.");

    public static async Task<CommandInput> ReadAsync(HttpRequest request, bool withBody, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        var options = CommandHeaders.Read(request, errors);
        var body = withBody ? await JsonBody.ReadAsync(request.Body, ct) : null;
        return new CommandInput(options, errors, body);
    }

    /// <summary>The command with the headers' options and every error found while reading. Call it after the last body
    /// field was read: reading a field is what records its error.</summary>
    public TCommand Complete<TCommand>(TCommand command) where TCommand : InvoiceCommand => (TCommand)((InvoiceCommand)command with
    {
        Options = _options,
        InputErrors = [.. _headerErrors, .. _body?.Errors ?? []],
    });
}
