using JasperFx.Events;
using Marten;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>What a service tells the shared ledger setup about itself.</summary>
public sealed class LedgerOptions
{
    private readonly List<Action<StoreOptions>> configure = [];
    private readonly Dictionary<Type, string> eventNames = [];

    /// <summary>Register a stored event under a stable name; renaming the class never breaks history.</summary>
    public LedgerOptions Event<TEvent>(string storedName)
    {
        eventNames.Add(typeof(TEvent), storedName);
        return this;
    }

    /// <summary>Anything else the service needs from Marten (documents, projections, indexes).</summary>
    public LedgerOptions Store(Action<StoreOptions> configureStore)
    {
        configure.Add(configureStore);
        return this;
    }

    public IReadOnlyDictionary<Type, string> EventNames => eventNames;

    internal void Apply(StoreOptions options)
    {
        foreach (var (type, name) in eventNames)
        {
            options.Events.MapEventType(type, name);
        }

        foreach (var action in configure)
        {
            action(options);
        }
    }
}

/// <summary>Maps a service's stored ledger events to the bus messages of the public contract.</summary>
public interface ILedgerEventMapper
{
    /// <summary>The stored event types this service forwards.</summary>
    IReadOnlyCollection<Type> ForwardedTypes { get; }

    /// <summary>
    /// The contract messages those events become on the bus: their exchanges are declared by <c>migrate</c>
    /// and at bus start, before anything is forwarded, so a binding made early never misses a message.
    /// </summary>
    IReadOnlyCollection<Type> PublishedMessages { get; }

    /// <summary>The contract message for a committed event, or null when it has none; may read the service's own documents.</summary>
    ValueTask<object?> ToMessageAsync(IEvent committed, IQuerySession session, CancellationToken cancellationToken);
}
