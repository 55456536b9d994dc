namespace AuditPlatform.Testing;

/// <summary>
/// Waits, boundedly, for something asynchronous (a forwarded message, a projection) to become true.
/// It checks outcomes, not speed: the bound is generous and only stops a broken test from hanging.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(30);

    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? DefaultBound);
        while (true)
        {
            var value = await probe();
            if (value is not null && value is not false)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Still waiting, after {(bound ?? DefaultBound).TotalSeconds:0} s, for {what}.");
            }

            await Task.Delay(50);
        }
    }

    public static Task<bool> TrueAsync(Func<Task<bool>> probe, string what, TimeSpan? bound = null) =>
        GetAsync<bool>(async () => await probe(), what, bound);

    public static Task<bool> TrueAsync(Func<bool> probe, string what, TimeSpan? bound = null) =>
        GetAsync<bool>(() => Task.FromResult(probe()), what, bound);
}
