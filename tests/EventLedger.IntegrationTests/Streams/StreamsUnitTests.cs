using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Leases;
using Record = EventLedger.Streams.Client.Model.Record;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>Pure logic of the Streams library: signing, JSON, error mapping, lease balancing. No DynamoDB needed.</summary>
public sealed class StreamsUnitTests
{
    [Fact]
    public void SigV4_signature_matches_the_AWS_post_vanilla_test_vector()
    {
        // From the AWS SigV4 test suite ("post-vanilla"), with the header set this client signs narrowed to host and x-amz-date.
        var credentials = new ImmutableCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
        var canonical = "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

        var result = Amazon.Runtime.Internal.Auth.AWS4Signer.ComputeSignature(credentials, "us-east-1", new DateTime(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc), "service", "host;x-amz-date", canonical);

        Assert.Equal("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", result.Signature);
    }

    [Fact]
    public void Signed_request_carries_date_target_and_an_authorization_for_dynamodb_in_the_region()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://streams.dynamodb.eu-west-1.amazonaws.com/");
        var credentials = new ImmutableCredentials("AKID", "secret", "session-token");

        SigV4Signer.Sign(request, "{}"u8.ToArray(), "application/x-amz-json-1.0", "DynamoDBStreams_20120810.GetRecords", credentials, "eu-west-1", "dynamodb", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));

        var authorization = Assert.Single(request.Headers.GetValues("Authorization"));
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKID/20260102/eu-west-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=", authorization, StringComparison.Ordinal);
        Assert.Equal("20260102T030405Z", Assert.Single(request.Headers.GetValues("X-Amz-Date")));
        Assert.Equal("session-token", Assert.Single(request.Headers.GetValues("X-Amz-Security-Token")));
    }

    [Fact]
    public void Endpoint_defaults_to_the_regional_streams_endpoint()
    {
        using var client = new DynamoDbStreamsClient(new BasicAWSCredentials("a", "b"), new DynamoDbStreamsClientConfig { RegionEndpoint = Amazon.RegionEndpoint.EUWest1 });
        using var local = DynamoDbStreamsClient.ForEndpoint("http://127.0.0.1:8000");

        Assert.Equal(new Uri("https://streams.dynamodb.eu-west-1.amazonaws.com/"), client.Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:8000/"), local.Endpoint);
    }

    [Theory]
    [InlineData("com.amazonaws.dynamodb.v20120810#ExpiredIteratorException", typeof(ExpiredIteratorException))]
    [InlineData("com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException", typeof(TrimmedDataAccessException))]
    [InlineData("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", typeof(EventLedger.Streams.Client.ResourceNotFoundException))]
    [InlineData("com.amazonaws.dynamodb.v20120810#LimitExceededException", typeof(StreamsThrottledException))]
    [InlineData("com.amazon.coral.availability#ThrottlingException", typeof(StreamsThrottledException))]
    [InlineData("com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", typeof(StreamsThrottledException))]
    [InlineData("com.amazonaws.dynamodb.v20120810#InternalServerError", typeof(DynamoDbStreamsException))]
    public void Error_types_map_to_typed_exceptions(string type, Type expected)
    {
        var body = System.Text.Encoding.UTF8.GetBytes($$"""{"__type":"{{type}}","message":"boom"}""");

        var error = StreamsErrorMapper.Map(HttpStatusCode.BadRequest, body, "req-1");

        Assert.IsType(expected, error);
        Assert.Equal(type[(type.IndexOf('#') + 1)..], error.ErrorCode);
        Assert.Contains("boom", error.Message, StringComparison.Ordinal);
        Assert.Equal("req-1", error.RequestId);
    }

    [Fact]
    public void A_record_round_trips_through_its_json()
    {
        var record = new Record
        {
            EventID = "e1",
            EventName = OperationType.MODIFY,
            EventSource = "aws:dynamodb",
            EventVersion = "1.1",
            AwsRegion = "eu-west-1",
            UserIdentity = new Identity { PrincipalId = "dynamodb.amazonaws.com", Type = "Service" },
            Dynamodb = new StreamRecord
            {
                ApproximateCreationDateTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
                Keys = StreamTables.Item("inv-1", 1),
                NewImage = DynamoDbStreamsClientTests.RichItem(),
                OldImage = new Dictionary<string, AttributeValue> { ["empty"] = new(), ["m"] = new() { M = [] }, ["l"] = new() { L = [] } },
                SequenceNumber = "000000000000000000042",
                SizeBytes = 321,
                StreamViewType = EventLedger.Streams.Client.Model.StreamViewType.NEW_AND_OLD_IMAGES,
            },
        };

        var json = StreamRecordJson.Serialize(record);
        var back = StreamRecordJson.Parse(json);

        Assert.Equal(json, StreamRecordJson.Serialize(back));
        Assert.Equal(OperationType.MODIFY, back.EventName);
        Assert.Equal(record.Dynamodb.ApproximateCreationDateTime, back.Dynamodb.ApproximateCreationDateTime);
        DynamoDbStreamsClientTests.AssertSameImage(record.Dynamodb.NewImage, back.Dynamodb.NewImage!);
        Assert.Equal("Service", back.UserIdentity!.Type);
        Assert.NotNull(back.Dynamodb.OldImage!["m"].M);
        Assert.Empty(back.Dynamodb.OldImage!["l"].L);
    }

    [Theory]
    [InlineData("dynamodb-read-models:shardId-00000001-abc:000000000000000000042")]
    [InlineData("a:b:c:shardId-1:7")]
    public void Dead_letter_ids_round_trip_through_text(string text)
    {
        var id = DeadLetterId.Parse(text);

        Assert.Equal(text, id.ToString());
        Assert.Throws<FormatException>(() => DeadLetterId.Parse("nocolons"));
    }

    [Fact]
    public void A_new_host_takes_unowned_and_expired_leases_up_to_its_share()
    {
        var leases = Leases(("s1", null), ("s2", "dead"), ("s3", "b"), ("s4", "b"));

        var decision = LeaseBalancer.Decide(leases, "a", new HashSet<string>(), l => l.Owner is null or "dead", null, new Random(1));

        // Live hosts: b and a → target 2. Available: s1 (unowned), s2 (expired).
        Assert.Equal(["s1", "s2"], decision.Take.Select(l => l.ShardId).Order());
        Assert.Null(decision.Steal);
    }

    [Fact]
    public void A_host_below_its_share_steals_one_lease_from_the_most_loaded_host()
    {
        var leases = Leases(("s1", "b"), ("s2", "b"), ("s3", "b"), ("s4", "c"));

        var decision = LeaseBalancer.Decide(leases, "a", new HashSet<string>(), _ => false, null, new Random(1));

        Assert.Empty(decision.Take);
        Assert.Equal("b", decision.Steal!.Owner);
    }

    [Fact]
    public void Balanced_hosts_do_not_steal()
    {
        var leases = Leases(("s1", "a"), ("s2", "b"), ("s3", "b"));

        var decision = LeaseBalancer.Decide(leases, "a", new HashSet<string> { "s1" }, _ => false, null, new Random(1));

        Assert.Same(LeaseBalancer.Decision.None, decision);
    }

    [Fact]
    public void Finished_shards_are_not_balanced()
    {
        var leases = Leases(("s1", null), ("s2", "b")).Select(l => l.ShardId == "s1" ? l with { Checkpoint = "SHARD_END" } : l).ToList();

        var decision = LeaseBalancer.Decide(leases, "a", new HashSet<string>(), l => l.Owner is null, null, new Random(1));

        Assert.Empty(decision.Take);
        Assert.Null(decision.Steal);
    }

    private static List<Lease> Leases(params (string Shard, string? Owner)[] leases) =>
        leases.Select(l => new Lease("sub", l.Shard) { Owner = l.Owner, Counter = 1 }).ToList();
}
