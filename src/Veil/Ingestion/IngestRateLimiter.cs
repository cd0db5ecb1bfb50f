using System.Threading.RateLimiting;
using Veil.Hosting;

namespace Veil.Ingestion;

/// <summary>
/// Ingestion requests per project token (one token per project, so keyed by project id: bounded by real projects,
/// never by whatever tokens strangers send). A token bucket: <c>N</c> per second sustained, 10 s worth of burst.
/// </summary>
public sealed class IngestRateLimiter(VeilServerOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<int> _limiter = PartitionedRateLimiter.Create<int, int>(project =>
        RateLimitPartition.GetTokenBucketLimiter(project, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.IngestRequestsPerSecondPerToken * 10,
            TokensPerPeriod = options.IngestRequestsPerSecondPerToken,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Takes one request's permit for each project it writes to; false if any is over its limit.</summary>
    public bool TryAcquire(IEnumerable<int> projectIds)
    {
        foreach (var id in projectIds.Distinct())
        {
            using var lease = _limiter.AttemptAcquire(id);
            if (!lease.IsAcquired) return false;
        }
        return true;
    }

    public void Dispose() => _limiter.Dispose();
}
