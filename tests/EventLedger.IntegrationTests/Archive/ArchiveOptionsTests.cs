using EventLedger.Archive.Configuration;
using EventLedger.Projections.Common;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>The archive's settings: Firehose's defaults, small values for tests, and a clear message for each wrong one.</summary>
public sealed class ArchiveOptionsTests
{
    [Fact]
    public void Defaults_are_Firehoses_and_seven_years_of_compliance_retention()
    {
        var settings = new ArchiveOptions { Bucket = "ledger" }.Resolve();
        Assert.Equal(5L * 1024 * 1024, settings.BufferSizeBytes);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.BufferInterval);
        Assert.Equal(7, settings.RetentionYears);
        Assert.Equal("COMPLIANCE", settings.RetentionMode);
        Assert.Equal("zstd", settings.Compression);
        Assert.Equal("", settings.Prefix);
    }

    [Theory]
    [InlineData("64KB", "00:00:01", 65536, 1)]
    [InlineData("1048576", "0", 1048576, 0)]
    [InlineData("128MB", "900", 134217728, 900)]
    public void Sizes_and_intervals_take_units_and_seconds(string size, string interval, long bytes, int seconds)
    {
        var settings = new ArchiveOptions { Directory = "/tmp/a", BufferSize = size, BufferInterval = interval }.Resolve();
        Assert.Equal(bytes, settings.BufferSizeBytes);
        Assert.Equal(TimeSpan.FromSeconds(seconds), settings.BufferInterval);
    }

    [Theory]
    [InlineData(null, null, null, null, "set Archive__Directory (a local directory) or Archive__Bucket (S3)")]
    [InlineData("/tmp/a", "b", null, null, "set either Archive__Directory or Archive__Bucket, not both")]
    [InlineData("/tmp/a", null, "129MB", null, "Archive__BufferSize must be 1 byte to 128MB")]
    [InlineData("/tmp/a", null, "lots", null, "Archive__BufferSize must be 1 byte to 128MB")]
    [InlineData("/tmp/a", null, null, "901", "Archive__BufferInterval must be 0–900 seconds")]
    [InlineData("/tmp/a", null, null, "soon", "Archive__BufferInterval must be seconds (300) or a TimeSpan (00:05:00)")]
    public void A_wrong_setting_is_named_in_the_message(string? directory, string? bucket, string? size, string? interval, string expected)
    {
        var error = Assert.Throws<ArchiveConfigurationException>(() =>
            new ArchiveOptions { Directory = directory, Bucket = bucket, BufferSize = size, BufferInterval = interval }.Resolve());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Retention_modes_compression_and_the_endpoint_are_checked()
    {
        var error = Assert.Throws<ArchiveConfigurationException>(() =>
            new ArchiveOptions { Bucket = "b", ServiceUrl = "not a url", RetentionMode = "forever", Compression = "rar", RetentionYears = -1 }.Resolve());
        Assert.Contains("Archive__ServiceUrl 'not a url' is not an absolute URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("Archive__RetentionMode must be COMPLIANCE or GOVERNANCE", error.Message, StringComparison.Ordinal);
        Assert.Contains("Archive__Compression must be zstd, snappy, gzip or none", error.Message, StringComparison.Ordinal);
        Assert.Contains("Archive__RetentionYears must be 0–100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hot_tier_retention_is_off_by_default_and_only_for_invoice_history()
    {
        Assert.Null(new HotTierRetention().For("invoice-history"));
        var retention = new HotTierRetention { InvoiceHistory = TimeSpan.FromDays(90) };
        Assert.Equal(new RowTimeToLive("expiresAt", "recordedAt", TimeSpan.FromDays(90)), retention.For("invoice-history"));
        Assert.Null(retention.For("invoice-totals"));
        Assert.Throws<InvalidOperationException>(() => new HotTierRetention { InvoiceHistory = TimeSpan.Zero }.Validated());
    }
}
