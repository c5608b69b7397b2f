using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EventLedger.Archive.Configuration;

namespace EventLedger.Archive.Targets;

/// <summary>
/// The archive in an S3 bucket, or at any S3-compatible endpoint (<c>Archive__ServiceUrl</c>, path-style addressing). Objects
/// are written with their SHA-256 (S3 checks it on arrival) and, when <c>Archive__RetentionYears</c> is above 0, with an Object
/// Lock retention (<c>x-amz-object-lock-mode</c>, <c>x-amz-object-lock-retain-until-date</c>), so that nobody, the archive
/// included, can delete or overwrite them for that long. The bucket must have Object Lock enabled (it can only be enabled when
/// a bucket is created; <see cref="EnsureReadyAsync"/> creates a missing bucket with it).
/// </summary>
internal sealed class S3Target : IArchiveTarget
{
    private readonly IAmazonS3 _s3;
    private readonly ArchiveSettings _settings;
    private readonly TimeProvider _time;

    public S3Target(ArchiveSettings settings, TimeProvider? time = null, HttpClientFactory? httpClientFactory = null)
    {
        _settings = settings;
        _time = time ?? TimeProvider.System;
        var config = new AmazonS3Config
        {
            AuthenticationRegion = settings.Region,
            RegionEndpoint = settings.ServiceUrl is null ? Amazon.RegionEndpoint.GetBySystemName(settings.Region) : null,
            Timeout = TimeSpan.FromSeconds(60),
            MaxErrorRetry = 3,
        };
        if (settings.ServiceUrl is { } url)
        {
            config.ServiceURL = url;
            config.ForcePathStyle = true; // an emulator or appliance rarely resolves bucket.host names
        }

        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        // A local endpoint takes any credentials; AWS gets the SDK's default chain.
        _s3 = settings.ServiceUrl is not null && Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") is null
            ? new AmazonS3Client(new BasicAWSCredentials("local", "local"), config)
            : new AmazonS3Client(config);
    }

    public string Location => $"s3://{_settings.Bucket}/{_settings.Prefix}" + (_settings.ServiceUrl is null ? "" : $" at {_settings.ServiceUrl}");

    public string? LocalRoot => null;

    private string Bucket => _settings.Bucket!;

    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, MaxKeys = 1 }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode == "NoSuchBucket")
        {
            await _s3.PutBucketAsync(new PutBucketRequest
            {
                BucketName = Bucket,
                ObjectLockEnabledForBucket = _settings.RetentionYears > 0,
            }, cancellationToken);
        }
    }

    public async Task PutAsync(string key, byte[] content, bool retain, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(content, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = _settings.Prefix + key,
            InputStream = body,
            AutoCloseStream = false,
            ContentType = key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/vnd.apache.parquet",
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData(content)),
        };
        if (retain && _settings.RetentionYears > 0)
        {
            request.ObjectLockMode = _settings.RetentionMode == "GOVERNANCE" ? ObjectLockMode.Governance : ObjectLockMode.Compliance;
            request.ObjectLockRetainUntilDate = _time.GetUtcNow().UtcDateTime.AddYears(_settings.RetentionYears);
        }

        await _s3.PutObjectAsync(request, cancellationToken);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(Bucket, _settings.Prefix + key, cancellationToken);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception ex) when (IsMissing(ex))
        {
            return null;
        }
    }

    public async Task<bool> DownloadAsync(string key, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(Bucket, _settings.Prefix + key, cancellationToken);
            var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
            await using (var file = File.Create(temporary))
            {
                await response.ResponseStream.CopyToAsync(file, cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (AmazonS3Exception ex) when (IsMissing(ex))
        {
            return false;
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(Bucket, _settings.Prefix + key, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (IsMissing(ex))
        {
            return false;
        }
    }

    public async IAsyncEnumerable<ArchiveObjectInfo> ListAsync(string prefix, string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request
        {
            BucketName = Bucket,
            Prefix = _settings.Prefix + prefix,
            StartAfter = startAfter is null ? null : _settings.Prefix + startAfter,
        };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                yield return new ArchiveObjectInfo(o.Key[_settings.Prefix.Length..], o.Size ?? 0, o.ETag ?? "");
            }

            if (page.IsTruncated != true || page.NextContinuationToken is null)
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        _s3.DeleteObjectAsync(Bucket, _settings.Prefix + key, cancellationToken);

    private static bool IsMissing(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode is "NoSuchKey" or "NotFound";

    public void Dispose() => _s3.Dispose();
}
