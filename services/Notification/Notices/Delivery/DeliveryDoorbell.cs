namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>
/// Wakes the delivery worker before its next sweep: a notice was opened, or a delivery slot came free. Rings
/// coalesce (at most one is pending), so a burst of new notices costs one sweep, not one each. The periodic sweep
/// stays the backstop for retries that fall due and for notices another replica opened.
/// </summary>
public sealed class DeliveryDoorbell : IDisposable
{
    private readonly SemaphoreSlim bell = new(0, 1);

    public void Ring()
    {
        if (bell.CurrentCount > 0)
        {
            return;
        }

        try
        {
            bell.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another ring got there first: one pending ring is all the worker needs.
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken) => bell.WaitAsync(cancellationToken);

    public void Dispose() => bell.Dispose();
}
