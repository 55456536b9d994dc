using Marten;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>One stored event of a service: its type, its stable name, and the contract message it becomes on the bus, if any.</summary>
public sealed record EventRow(Type StoredType, string StoredName, Type? MessageType, Func<object, object>? ToMessage);

/// <summary>
/// Everything a service says about its part of the ledger and the bus, declared once. Each stored event has a row
/// (stable name; whether and how it is forwarded); the contract messages the service consumes and sends outside the
/// ledger are listed beside them. The Marten event names, the forwarder's types and mapping, the exchanges the bus
/// declares, the broker permissions the setup scripts grant (deploy/bus-permissions.txt) and the AsyncAPI routes
/// are all derived from the tables, and a test fails when any of them drifts.
/// </summary>
public sealed class EventTable(string service)
{
    private readonly List<EventRow> rows = [];
    private readonly List<Type> consumed = [];
    private readonly List<Type> sent = [];
    private readonly List<Action<StoreOptions>> configure = [];

    /// <summary>The service the table belongs to (its RabbitMQ user and its queues' prefix).</summary>
    public string Service { get; } = service;

    public IReadOnlyList<EventRow> Rows => rows;

    /// <summary>The stored event types the forwarder publishes.</summary>
    public IReadOnlyList<Type> ForwardedTypes => [.. rows.Where(r => r.MessageType is not null).Select(r => r.StoredType)];

    /// <summary>
    /// Every contract message the service publishes: its forwarded events' messages and what it sends outside the
    /// ledger. Their exchanges are declared by <c>migrate</c> and at bus start, so a binding made early never misses one.
    /// </summary>
    public IReadOnlyList<Type> PublishedMessages => [.. rows.Where(r => r.MessageType is not null).Select(r => r.MessageType!).Concat(sent).Distinct()];

    /// <summary>The contract messages the service's consumers read from the bus.</summary>
    public IReadOnlyList<Type> ConsumedMessages => consumed;

    /// <summary>A stored event that stays in the ledger; renaming the class never breaks history.</summary>
    public EventTable Stored<TEvent>(string storedName)
        where TEvent : class => Add(new EventRow(typeof(TEvent), storedName, null, null));

    /// <summary>A stored event the forwarder publishes as the contract message <paramref name="toMessage"/> makes of it.</summary>
    public EventTable Forwarded<TEvent, TMessage>(string storedName, Func<TEvent, TMessage> toMessage)
        where TEvent : class
        where TMessage : class => Add(new EventRow(typeof(TEvent), storedName, typeof(TMessage), e => toMessage((TEvent)e)));

    /// <summary>A contract message the service consumes.</summary>
    public EventTable Consumes<TMessage>()
        where TMessage : class
    {
        consumed.Add(typeof(TMessage));
        return this;
    }

    /// <summary>A contract message the service publishes outside the ledger (not recorded, so not forwarded).</summary>
    public EventTable Sends<TMessage>()
        where TMessage : class
    {
        sent.Add(typeof(TMessage));
        return this;
    }

    /// <summary>Anything else the service needs from Marten (documents, projections, indexes).</summary>
    public EventTable Store(Action<StoreOptions> configureStore)
    {
        configure.Add(configureStore);
        return this;
    }

    /// <summary>The contract message for a committed event, or null when it stays in the ledger.</summary>
    public object? ToMessage(object stored) =>
        rows.FirstOrDefault(r => r.StoredType == stored.GetType()) is { ToMessage: { } map } ? map(stored) : null;

    internal void Apply(StoreOptions options)
    {
        foreach (var row in rows)
        {
            options.Events.MapEventType(row.StoredType, row.StoredName);
        }

        foreach (var action in configure)
        {
            action(options);
        }
    }

    private EventTable Add(EventRow row)
    {
        if (rows.Any(r => r.StoredType == row.StoredType || r.StoredName == row.StoredName))
        {
            throw new InvalidOperationException($"{Service} declares {row.StoredType.Name} or '{row.StoredName}' twice.");
        }

        rows.Add(row);
        return this;
    }
}
