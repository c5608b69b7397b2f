using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// Totals of one invoice date and currency over live transactions at their current amounts
/// (<c>GET /analytics/daily</c>). API contract: serialised camelCase as
/// <c>{day, currency, transactionCount, totalAmount, maxAmount}</c>.
/// </summary>
/// <param name="Day">The invoice date (not the date the event was recorded).</param>
/// <param name="Currency">ISO 4217 code; amounts of different currencies are never added together.</param>
/// <param name="TransactionCount">Live (not voided) transactions.</param>
/// <param name="TotalAmount">Sum of their current amounts.</param>
/// <param name="MaxAmount">Largest current amount.</param>
public sealed record DailyAnalytics(DateOnly Day, string Currency, long TransactionCount, decimal TotalAmount, decimal MaxAmount);

/// <summary>
/// Totals of one country and currency over live transactions (<c>GET /analytics/countries</c>). API contract:
/// <c>{country, currency, transactionCount, totalAmount}</c>.
/// </summary>
public sealed record CountryAnalytics(string Country, string Currency, long TransactionCount, decimal TotalAmount);

/// <summary>
/// Daily run rate of one currency over an inclusive range of invoice dates: the average daily total, counting days
/// without transactions as zero. API contract.
/// </summary>
/// <param name="Days">Days in the range, <c>To - From + 1</c>.</param>
/// <param name="AverageDailyAmount"><c>TotalAmount / Days</c>, rounded half away from zero to 4 decimal places.</param>
public sealed record DailyRunRate(
    string Currency, DateOnly From, DateOnly To, int Days, long TransactionCount, decimal TotalAmount, decimal AverageDailyAmount);

/// <summary>
/// One invoice as analytics sees it; agrees with the <c>invoice-totals</c> read model at the same version. API contract.
/// </summary>
/// <param name="Currency">The invoice's currency, or null while it has no transactions.</param>
/// <param name="Total">Sum of live transactions' current amounts.</param>
/// <param name="TransactionCount">Live transactions.</param>
/// <param name="Version">The last stream version applied (for <c>minVersion</c> read-your-writes).</param>
public sealed record InvoiceAnalytics(string InvoiceNumber, string? Currency, decimal Total, long TransactionCount, long Version);

/// <summary>The analytics read model's queries. All read live transactions at their current amounts.</summary>
public sealed class AnalyticsQueries
{
    private readonly AnalyticsStore _store;
    private readonly string _s;

    public AnalyticsQueries(AnalyticsStore store)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _s = store.Schema;
    }

    /// <summary>
    /// <c>max/sum/count group by day, currency</c> for invoice dates from <paramref name="from"/> to <paramref name="to"/>,
    /// both inclusive; a bound left out (null) is open, so neither means all invoice dates.
    /// </summary>
    public Task<IReadOnlyList<DailyAnalytics>> DailyAsync(DateOnly? from = null, DateOnly? to = null, CancellationToken cancellationToken = default)
    {
        if (from is { } first && to is { } last)
        {
            CheckRange(first, last);
        }

        return ListAsync("querying daily totals", $"""
            select invoice_date, currency, count(*), sum(amount), max(amount)
            from {_s}.transactions
            where status = 'live' and ($1::date is null or invoice_date >= $1) and ($2::date is null or invoice_date <= $2)
            group by invoice_date, currency
            order by invoice_date, currency
            """, [(object?)from ?? DBNull.Value, (object?)to ?? DBNull.Value],
            r => new DailyAnalytics(r.GetFieldValue<DateOnly>(0), r.GetString(1), r.GetInt64(2), Money(r.GetDecimal(3)), Money(r.GetDecimal(4))),
            cancellationToken);
    }

    /// <summary>Count and total per country and currency, all invoice dates.</summary>
    public Task<IReadOnlyList<CountryAnalytics>> CountriesAsync(CancellationToken cancellationToken = default) =>
        ListAsync("querying country totals", $"""
            select country, currency, count(*), sum(amount)
            from {_s}.transactions
            where status = 'live'
            group by country, currency
            order by country, currency
            """, [],
            r => new CountryAnalytics(r.GetString(0), r.GetString(1), r.GetInt64(2), Money(r.GetDecimal(3))),
            cancellationToken);

    /// <summary>Average daily total per currency over the inclusive range; currencies with no live transactions in it are omitted.</summary>
    public Task<IReadOnlyList<DailyRunRate>> DailyRunRateAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        CheckRange(from, to);
        var days = to.DayNumber - from.DayNumber + 1;
        return ListAsync("querying the daily run rate", $"""
            select currency, count(*), sum(amount)
            from {_s}.transactions
            where status = 'live' and invoice_date between $1 and $2
            group by currency
            order by currency
            """, [from, to],
            r =>
            {
                var total = r.GetDecimal(2);
                return new DailyRunRate(r.GetString(0), from, to, days, r.GetInt64(1), Money(total),
                    Money(Math.Round(total / days, 4, MidpointRounding.AwayFromZero)));
            },
            cancellationToken);
    }

    /// <summary>One invoice's total and live count, or null if analytics has applied nothing of it.</summary>
    public async Task<InvoiceAnalytics?> InvoiceAsync(string invoiceNumber, CancellationToken cancellationToken = default)
    {
        var rows = await ListAsync("querying an invoice", $"{InvoiceSelect} where i.invoice_number = $1", [invoiceNumber],
            ReadInvoice, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Invoices in invoice-number order, a page at a time (keyset paging: pass the last number of the previous page).</summary>
    public Task<IReadOnlyList<InvoiceAnalytics>> InvoicesAsync(
        string? afterInvoiceNumber = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 10_000);
        return ListAsync("listing invoices", $"""
            {InvoiceSelect}
            where $1::text is null or i.invoice_number > $1
            order by i.invoice_number
            limit $2
            """, [(object?)afterInvoiceNumber ?? DBNull.Value, limit], ReadInvoice, cancellationToken);
    }

    /// <summary>The last stream version applied to an invoice (0 if none): what <c>minVersion</c> waits for.</summary>
    public async Task<long> AppliedVersionAsync(string invoiceNumber, CancellationToken cancellationToken = default)
    {
        var rows = await ListAsync("reading an applied version",
            $"select applied_version from {_s}.invoices where invoice_number = $1", [invoiceNumber], r => r.GetInt64(0), cancellationToken);
        return rows.Count == 0 ? 0 : rows[0];
    }

    private string InvoiceSelect => $"""
        select i.invoice_number, a.currency, coalesce(a.total, 0), coalesce(a.live, 0), i.applied_version
        from {_s}.invoices i
        left join lateral (
            select min(t.currency) as currency,
                   sum(t.amount) filter (where t.status = 'live') as total,
                   count(*) filter (where t.status = 'live') as live
            from {_s}.transactions t
            where t.invoice_number = i.invoice_number) a on true
        """;

    private static InvoiceAnalytics ReadInvoice(NpgsqlDataReader r) =>
        new(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), Money(r.GetDecimal(2)), r.GetInt64(3), r.GetInt64(4));

    private static void CheckRange(DateOnly from, DateOnly to)
    {
        if (from > to)
        {
            throw new ArgumentException($"The range is empty: from {from:yyyy-MM-dd} is after to {to:yyyy-MM-dd}.", nameof(from));
        }
    }

    /// <summary>numeric(28,4) arrives with four decimals (2300.0000); the contract shows the value (2300).</summary>
    private static decimal Money(decimal value) => value / 1.0000000000000000000000000000m;

    private Task<IReadOnlyList<T>> ListAsync<T>(
        string operation, string sql, object[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) =>
        _store.ExecuteAsync<IReadOnlyList<T>>(operation, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            foreach (var p in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = p });
            }

            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add(read(reader));
            }

            return rows;
        }, cancellationToken);
}
