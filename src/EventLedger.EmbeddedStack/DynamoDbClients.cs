using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace EventLedger.EmbeddedStack;

/// <summary>Creates DynamoDB clients: for a local endpoint with fixed dummy credentials, else AWS's default chain.</summary>
public static class DynamoDbClients
{
    public static AmazonDynamoDBClient Create(string? endpoint)
    {
        if (endpoint is null)
        {
            return new AmazonDynamoDBClient();
        }

        var config = new AmazonDynamoDBConfig
        {
            ServiceURL = endpoint,
            AuthenticationRegion = "us-east-1",
            // DynamoDB Local answers fast; a long default timeout only hides a dead process.
            Timeout = TimeSpan.FromSeconds(30),
            MaxErrorRetry = 3,
        };
        return new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), config);
    }
}
