using System.Reflection;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;
using JasperFx.Events;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.ServiceDefaults.Commands;

/// <summary>Where a command came from, as the command log line and the metrics name it.</summary>
public static class Transports
{
    public const string Http = "http";
    public const string Bus = "bus";
    public const string Timer = "timer";
}

/// <summary>What became of a command: the decision, and the aggregate's state after it.</summary>
public sealed record CommandOutcome<TState, TEvent>(Decision<TEvent> Decision, TState? State)
    where TState : class
    where TEvent : class
{
    public Verdict Verdict => Decision.Verdict;

    public Refusal? Refusal => Decision.Refusal;
}

/// <summary>
/// The one road of every command of every service: check the fields, fetch the stream for writing, read the
/// facts, decide, append, keep the records the events change, and save, in one transaction with the stream's
/// version check. It owns client-id idempotency, the command log line and the command metrics. Scoped: it
/// shares the request's or the message's session, so an inbox mark staged by the bus adapter commits with it.
/// </summary>
public sealed class CommandHandler(IDocumentSession session, TimeProvider clock, PlatformMetrics metrics)
{
    // Streams read ahead for commands staged later in this transaction, by stream key; each is taken once.
    private readonly Dictionary<string, object> readAhead = new(StringComparer.Ordinal);

    public IDocumentSession Session => session;

    /// <summary>
    /// Reads the streams of the commands a transaction is about to stage, all in one round trip (a batched
    /// FetchForWriting, each with its version check), instead of one or two round trips per command: the stage that
    /// addresses one of them takes it from here. For a message or a group commit that stages many commands; a stream
    /// read ahead and never staged is read for nothing, and a repeated key is read once.
    /// </summary>
    public async Task ReadAheadAsync<TState>(IEnumerable<string> streams, CancellationToken cancellationToken)
        where TState : class
    {
        var unread = streams.Where(s => !readAhead.ContainsKey(s)).Distinct(StringComparer.Ordinal).ToList();
        if (unread.Count == 0)
        {
            return;
        }

        await session.BeginTransactionAsync(cancellationToken);
        var batch = session.CreateBatchQuery();
        var reads = unread.ConvertAll(s => (Stream: s, Read: batch.Events.FetchForWriting<TState>(s)));
        await batch.Execute(cancellationToken);
        foreach (var (stream, read) in reads)
        {
            readAhead[stream] = await read;
        }
    }

    /// <summary>Runs the command through its slice and saves; the outcome says what became of it.</summary>
    public async Task<CommandOutcome<TState, TEvent>> HandleAsync<TCommand, TState, TEvent, TFacts>(
        CommandSlice<TCommand, TState, TEvent, TFacts> slice, TCommand command, string transport, CancellationToken cancellationToken)
        where TCommand : notnull
        where TState : class
        where TEvent : class
    {
        var outcome = await StageAsync(slice, command, transport, cancellationToken);
        // A refusal that records nothing leaves nothing to commit (not even an inbox mark: the message goes to _error).
        if (outcome.Verdict != Verdict.Refused || outcome.Decision.Events.Count > 0)
        {
            await session.SaveChangesAsync(cancellationToken);
        }

        Count(slice.Name, transport, outcome.Decision);
        return outcome;
    }

    /// <summary>
    /// Decides and appends in the session without saving, for a message whose one transaction spans several
    /// aggregates; the caller saves once and then calls <see cref="Count"/> for each outcome.
    /// </summary>
    public async Task<CommandOutcome<TState, TEvent>> StageAsync<TCommand, TState, TEvent, TFacts>(
        CommandSlice<TCommand, TState, TEvent, TFacts> slice, TCommand command, string transport, CancellationToken cancellationToken)
        where TCommand : notnull
        where TState : class
        where TEvent : class
    {
        // One instant for the command: the one its fields are checked against is the one it is decided at.
        var now = clock.GetUtcNow();
        var errors = new FieldErrors { Now = now };
        slice.Validate(command, errors);
        if (errors.Any)
        {
            return new CommandOutcome<TState, TEvent>(Decision<TEvent>.Refuse(Refusal.Invalid(errors)), null);
        }

        // Every read of the command (its stream, its facts, an inbox mark) happens in the transaction that saves it:
        // the decision sees one consistent state, and a command costs one commit instead of one per read.
        await session.BeginTransactionAsync(cancellationToken);
        var key = slice.StreamFor(command);
        var stream = readAhead.Remove(key, out var ahead) ? (IEventStream<TState>)ahead : await session.Events.FetchForWriting<TState>(key, cancellationToken);
        var context = new CommandContext(now, Idempotency.RequestHash(command));
        var decision = slice.ClientId(command) is { } clientId && stream.Aggregate is { } existing && slice.RecordedRequest(existing) is { } recorded
            ? Idempotency.Decide(recorded, context.RequestSha256) == ClientIdOutcome.Replay
                ? Decision<TEvent>.AlreadyDone
                : Decision<TEvent>.Refuse(Refusal.ClientIdConflict(clientId.Field, clientId.Id))
            : slice.Decide(command, stream.Aggregate, await slice.FactsAsync(command, session, cancellationToken), context);

        var state = stream.Aggregate;
        foreach (var e in decision.Events)
        {
            stream.AppendOne(e);
            state = slice.Evolve(state, e);
        }

        if (decision.Events.Count > 0)
        {
            await slice.KeepAsync(session, command, decision.Events, cancellationToken);
        }

        return new CommandOutcome<TState, TEvent>(decision, state);
    }

    /// <summary>Counts and logs a refusal made before the command reached its slice (the caller may not issue it).</summary>
    public Refusal Refuse(string command, string transport, Refusal refusal)
    {
        metrics.Rejected(command, transport, refusal.ProblemType);
        return refusal;
    }

    /// <summary>Counts and logs a committed decision: accepted, or refused with its problem type; a repeat is neither.</summary>
    public void Count<TEvent>(string command, string transport, Decision<TEvent> decision)
        where TEvent : class
    {
        switch (decision.Verdict)
        {
            case Verdict.Accepted:
                metrics.Accepted(command, transport);
                break;
            case Verdict.Refused:
                metrics.Rejected(command, transport, decision.Refusal!.ProblemType);
                break;
        }
    }
}

public static class CommandPathSetup
{
    /// <summary>The command handler, and every command slice of the service's assembly (singletons: a slice holds no state).</summary>
    public static IServiceCollection AddCommandPath(this IServiceCollection services, Assembly serviceAssembly)
    {
        services.AddScoped<CommandHandler>();
        foreach (var slice in serviceAssembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && IsSlice(t)))
        {
            services.AddSingleton(slice);
        }

        return services;
    }

    private static bool IsSlice(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(CommandSlice<,,,>))
            {
                return true;
            }
        }

        return false;
    }
}
