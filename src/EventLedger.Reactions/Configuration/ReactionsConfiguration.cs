using System.Globalization;
using System.Text.RegularExpressions;
using EventLedger.Projections.Reactions;
using EventLedger.Projections.Reactions.Custom;
using Microsoft.Extensions.Configuration;

namespace EventLedger.Reactions.Configuration;

/// <summary>
/// Reads the <c>Reactions</c> section: the built-in reactions under <c>Reactions:ZeroAmountAlerts</c> and
/// <c>Reactions:PaymentRequests</c>, configured ones under <c>Reactions:Custom:{name}</c> (with a <c>Filter</c> pattern and an
/// optional CloudEvents <c>Type</c>), and <c>Reactions:Source</c>. Anything that cannot work is a
/// <see cref="ReactionConfigurationException"/> naming the key.
/// </summary>
public static partial class ReactionsConfiguration
{
    public const string SectionName = "Reactions";
    public const string CustomSection = "Custom";

    public static IReadOnlyList<ConfiguredReaction> Read(IConfiguration configuration)
    {
        var root = configuration.GetSection(SectionName);
        var source = root["Source"] is { Length: > 0 } s ? s : CloudEventJson.DefaultSource;
        var reactions = new List<ConfiguredReaction>();
        foreach (var (section, declaration) in BuiltInReactions.All)
        {
            reactions.Add(Read(root.GetSection(section), $"{SectionName}:{section}", declaration, source));
        }

        foreach (var custom in root.GetSection(CustomSection).GetChildren())
        {
            var key = $"{SectionName}:{CustomSection}:{custom.Key}";
            if (!NamePattern().IsMatch(custom.Key))
            {
                throw new ReactionConfigurationException($"{key}: a reaction's name is lower-case letters, digits, hyphens and underscores (at most 63), e.g. big_adjustments (environment variable names cannot hold hyphens).");
            }

            if (reactions.Any(r => r.Name == custom.Key))
            {
                throw new ReactionConfigurationException($"{key}: the name '{custom.Key}' is taken by a built-in reaction.");
            }

            if (custom["Filter"] is not { Length: > 0 } filterText)
            {
                throw new ReactionConfigurationException($"{key}:Filter is required: a pattern such as {{\"eventType\": [\"TransactionAdjusted\"], \"data\": {{\"newAmount\": [{{\"numeric\": [\">\", 1000]}}]}}}}.");
            }

            EventFilterPattern filter;
            try
            {
                filter = EventFilterPattern.Parse(filterText);
            }
            catch (EventFilterPatternException ex)
            {
                throw new ReactionConfigurationException($"{key}:Filter: {ex.Message}");
            }

            var type = custom["Type"] is { Length: > 0 } t ? t : null;
            reactions.Add(Read(custom, key, CustomReaction.Declare(custom.Key, filter, type), source));
        }

        return reactions;
    }

    /// <summary>Whether some reaction sends to SQS or SNS without an endpoint of its own (the local stack then starts the emulator).</summary>
    public static bool NeedsAwsEndpoint(IConfiguration configuration)
    {
        try
        {
            return Read(configuration).Any(r => r.Sink is { Kind: SinkKind.Sqs or SinkKind.Sns, ServiceUrl: null });
        }
        catch (ReactionConfigurationException)
        {
            return false; // reported when the app is built
        }
    }

    private static ConfiguredReaction Read(IConfigurationSection section, string key, ReactionDeclaration declaration, string source) =>
        new(declaration, key[(SectionName.Length + 1)..], ReadSink(section, key), ReadDelivery(section, key), source);

    private static SinkSettings? ReadSink(IConfigurationSection section, string key)
    {
        if (section["Sink"] is not { Length: > 0 } kindText)
        {
            return null;
        }

        SinkKind kind = kindText.ToUpperInvariant() switch
        {
            "WEBHOOK" => SinkKind.Webhook,
            "SQS" => SinkKind.Sqs,
            "SNS" => SinkKind.Sns,
            _ => throw new ReactionConfigurationException($"{key}:Sink is '{kindText}'; it must be webhook, sqs or sns."),
        };
        var settings = new SinkSettings
        {
            Kind = kind,
            ServiceUrl = section["ServiceUrl"] is { Length: > 0 } serviceUrl ? AbsoluteUrl(serviceUrl, $"{key}:ServiceUrl").ToString() : null,
            Region = section["Region"] is { Length: > 0 } region ? region : null,
        };
        switch (kind)
        {
            case SinkKind.Webhook:
                var url = section["Url"] is { Length: > 0 } u
                    ? AbsoluteUrl(u, $"{key}:Url")
                    : throw new ReactionConfigurationException($"{key}:Url is required for a webhook sink (the receiver's http(s) URL).");
                var secrets = (section["Secret"] ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (secrets.Length == 0)
                {
                    throw new ReactionConfigurationException($"{key}:Secret is required for a webhook sink: a whsec_… secret (base64 after the prefix), several separated by spaces while rotating.");
                }

                foreach (var secret in secrets)
                {
                    if (!Sinks.Webhooks.WebhookSignature.TryParseSecret(secret, out _))
                    {
                        throw new ReactionConfigurationException($"{key}:Secret: '{Redact(secret)}' is not a Standard Webhooks secret (whsec_ followed by base64 of at least 24 bytes).");
                    }
                }

                return settings with { Url = url, Secrets = secrets, Timeout = Duration(section, "Timeout", key, settings.Timeout) };
            case SinkKind.Sqs:
                return section["QueueUrl"] is { Length: > 0 } queueUrl
                    ? settings with { QueueUrl = AbsoluteUrl(queueUrl, $"{key}:QueueUrl").ToString() }
                    : throw new ReactionConfigurationException($"{key}:QueueUrl is required for an sqs sink, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/payments.fifo.");
            default:
                return section["TopicArn"] is { Length: > 0 } arn && arn.StartsWith("arn:", StringComparison.Ordinal) && arn.Split(':').Length >= 6
                    ? settings with { TopicArn = arn }
                    : throw new ReactionConfigurationException($"{key}:TopicArn is required for an sns sink, e.g. arn:aws:sns:eu-west-1:123456789012:zero-amount-alerts.");
        }
    }

    private static DeliverySettings ReadDelivery(IConfigurationSection section, string key)
    {
        var defaults = new DeliverySettings();
        var settings = new DeliverySettings
        {
            MaxAttempts = Integer(section, "MaxAttempts", key, defaults.MaxAttempts, 1, 1000),
            MaxConcurrency = Integer(section, "MaxConcurrency", key, defaults.MaxConcurrency, 1, 1000),
            InitialBackoff = Duration(section, "InitialBackoff", key, defaults.InitialBackoff),
            MaxBackoff = Duration(section, "MaxBackoff", key, defaults.MaxBackoff),
        };
        return settings.MaxBackoff >= settings.InitialBackoff
            ? settings
            : throw new ReactionConfigurationException($"{key}:MaxBackoff ({settings.MaxBackoff}) must not be shorter than InitialBackoff ({settings.InitialBackoff}).");
    }

    private static int Integer(IConfigurationSection section, string name, string key, int fallback, int min, int max)
    {
        if (section[name] is not { Length: > 0 } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ReactionConfigurationException($"{key}:{name} is '{text}'; it must be a whole number from {min} to {max}.");
    }

    /// <summary>A TimeSpan ("00:00:10") or a number of seconds ("10", "0.5").</summary>
    private static TimeSpan Duration(IConfigurationSection section, string name, string key, TimeSpan fallback)
    {
        if (section[name] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero && span <= TimeSpan.FromHours(1)
            ? span
            : throw new ReactionConfigurationException($"{key}:{name} is '{text}'; it must be a duration such as 00:00:10 or a number of seconds (at most an hour).");
    }

    private static Uri AbsoluteUrl(string text, string key) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ReactionConfigurationException($"{key} is '{text}'; it must be an absolute http(s) URL.");

    private static string Redact(string secret) => secret.Length <= 10 ? "***" : secret[..8] + "…";

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();
}
