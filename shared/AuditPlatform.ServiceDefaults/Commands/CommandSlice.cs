using AuditPlatform.ServiceDefaults.Http;
using Marten;

namespace AuditPlatform.ServiceDefaults.Commands;

/// <summary>Facts for a decider that needs none besides its aggregate.</summary>
public sealed record NoFacts
{
    public static NoFacts Instance { get; } = new();
}

/// <summary>The instant a command is decided at, and the request's canonical hash (what a client id is checked against).</summary>
public sealed record CommandContext(DateTimeOffset Now, string RequestSha256);

/// <summary>The client id a create command carries, and the field that carries it.</summary>
public sealed record ClientId(string Field, Guid Id);

/// <summary>
/// One command of one aggregate: which stream it addresses, how its fields are checked, what else it must read
/// (its facts), and the pure decision. The <see cref="CommandHandler"/> runs every slice the same way.
/// </summary>
/// <typeparam name="TCommand">The command.</typeparam>
/// <typeparam name="TState">The aggregate's state, folded from its stream by its projection.</typeparam>
/// <typeparam name="TEvent">The aggregate's closed set of events.</typeparam>
/// <typeparam name="TFacts">What the decision needs besides the aggregate, read before deciding.</typeparam>
public abstract class CommandSlice<TCommand, TState, TEvent, TFacts>
    where TCommand : notnull
    where TState : class
    where TEvent : class
{
    /// <summary>The command's name in the command log line and the metrics.</summary>
    public virtual string Name => typeof(TCommand).Name;

    /// <summary>The stream the command addresses.</summary>
    public abstract string StreamFor(TCommand command);

    /// <summary>Adds an error for every malformed field; a command with any is refused before anything is read.</summary>
    public virtual void Validate(TCommand command, FieldErrors errors)
    {
    }

    /// <summary>
    /// The client id of a command that creates its aggregate under an id the client chose; null for other commands.
    /// With <see cref="RecordedRequest"/>, the handler answers a repeat as already done and another request under
    /// the same id as a conflict, before deciding.
    /// </summary>
    public virtual ClientId? ClientId(TCommand command) => null;

    /// <summary>The hash of the request that created the aggregate, when a repeat of it must be answered as already done.</summary>
    public virtual string? RecordedRequest(TState state) => null;

    /// <summary>Reads what the decision needs besides the aggregate (other aggregates, settings).</summary>
    public abstract Task<TFacts> FactsAsync(TCommand command, IQuerySession session, CancellationToken cancellationToken);

    /// <summary>The decision, with no I/O: the time and the request's hash come in <paramref name="context"/>.</summary>
    public abstract Decision<TEvent> Decide(TCommand command, TState? state, TFacts facts, CommandContext context);

    /// <summary>The state after one more event: the same fold the aggregate's projection uses.</summary>
    public abstract TState? Evolve(TState? state, TEvent change);

    /// <summary>
    /// Documents besides the aggregate that the appended events change (records the projection does not keep),
    /// staged in the same session so they commit with the events.
    /// </summary>
    public virtual Task KeepAsync(IDocumentSession session, TCommand command, IReadOnlyList<TEvent> appended, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}

/// <summary>A command slice whose decision needs only its aggregate.</summary>
public abstract class CommandSlice<TCommand, TState, TEvent> : CommandSlice<TCommand, TState, TEvent, NoFacts>
    where TCommand : notnull
    where TState : class
    where TEvent : class
{
    public sealed override Task<NoFacts> FactsAsync(TCommand command, IQuerySession session, CancellationToken cancellationToken) =>
        Task.FromResult(NoFacts.Instance);

    public sealed override Decision<TEvent> Decide(TCommand command, TState? state, NoFacts facts, CommandContext context) => Decide(command, state, context);

    /// <summary>The decision, with no I/O: the time and the request's hash come in <paramref name="context"/>.</summary>
    public abstract Decision<TEvent> Decide(TCommand command, TState? state, CommandContext context);
}
