using EventLedger.Reactions.Sinks.Sns.Model;

namespace EventLedger.Reactions.Sinks.Sns;

/// <summary>The SNS operations EventLedger uses, named as in AWSSDK.SimpleNotificationService's <c>IAmazonSimpleNotificationService</c>.</summary>
public interface IAmazonSimpleNotificationService : IDisposable
{
    Task<PublishResponse> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default);
    Task<PublishBatchResponse> PublishBatchAsync(PublishBatchRequest request, CancellationToken cancellationToken = default);
    Task<CreateTopicResponse> CreateTopicAsync(CreateTopicRequest request, CancellationToken cancellationToken = default);
    Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken = default);
}
