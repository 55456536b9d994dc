namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// A command that cannot be accepted as it is. Over HTTP it becomes problem details; on the bus the
/// message goes to the <c>_error</c> queue with this message as the reason, never retried.
/// </summary>
public sealed class InvalidCommandException : Exception
{
    public InvalidCommandException(string problemType, string title, IReadOnlyDictionary<string, string[]> errors)
        : base(Describe(title, errors))
    {
        ProblemType = problemType;
        Title = title;
        Errors = errors;
    }

    public InvalidCommandException()
        : this("validation", "The command is not valid.", new Dictionary<string, string[]>())
    {
    }

    public InvalidCommandException(string message)
        : this("validation", message, new Dictionary<string, string[]>())
    {
    }

    public InvalidCommandException(string message, Exception innerException)
        : base(message, innerException)
    {
        ProblemType = "validation";
        Title = message;
        Errors = new Dictionary<string, string[]>();
    }

    public string ProblemType { get; }

    public string Title { get; }

    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>True when the command handler already counted and logged this refusal.</summary>
    public bool Counted { get; init; }

    /// <summary>The title, then each field at fault with what it must be: the reason a refusal gives on the bus.</summary>
    internal static string Describe(string title, IReadOnlyDictionary<string, string[]> errors) =>
        errors.Count == 0
            ? title
            : title + " " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
}
