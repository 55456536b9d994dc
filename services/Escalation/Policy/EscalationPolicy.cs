using System.Text.Json;
using System.Xml;
using AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Policy;

/// <summary>One rung of the escalation ladder.</summary>
public sealed record EscalationLevel(int Level, string Name, TimeSpan RespondWithin, IReadOnlyList<string> OnEnter);

/// <summary>
/// The escalation policy file (<c>ESCALATION_POLICY</c>, default <c>deploy/policy/escalation.json</c>): the ladder,
/// read by Escalation alone. The durations other services need are their own settings (Intake:HandlingReportWithin,
/// Notification:BreachRespondWithin), which a test keeps in step with this file.
/// </summary>
public sealed record EscalationPolicy(
    IReadOnlyList<EscalationLevel> Levels,
    IReadOnlyDictionary<string, int> StartLevel,
    IReadOnlyList<string> ResolvingResponses)
{
    public const string EnvironmentVariable = "ESCALATION_POLICY";
    public const string DefaultPath = "deploy/policy/escalation.json";

    /// <summary>Actions a level may run on entry. Any other name is refused: an action accepted but never run would fail silently.</summary>
    public static readonly IReadOnlyList<string> KnownActions = ["suspendSharing"];

    public EscalationLevel LevelFor(int level) => Levels.First(l => l.Level == level);

    /// <summary>The level a breach of this severity opens at.</summary>
    public int StartLevelFor(string severity) => StartLevel.TryGetValue(severity, out var level) ? level : Levels[0].Level;

    public EscalationLevel? Above(int level) => Levels.FirstOrDefault(l => l.Level > level);

    /// <summary>Finds the policy file: the given path, ESCALATION_POLICY, or the default searched upward from the working directory.</summary>
    public static string Locate(string? configured)
    {
        var path = configured;
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Environment.GetEnvironmentVariable(EnvironmentVariable);
        }

        if (!string.IsNullOrWhiteSpace(path))
        {
            return path;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, DefaultPath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return DefaultPath;
    }

    public static EscalationPolicy Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidPolicyException("(file)", $"the policy file '{path}' does not exist.");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new InvalidPolicyException("(file)", $"'{path}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Parses and validates; every refusal names the offending field.</summary>
    public static EscalationPolicy Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidPolicyException("(root)", "must be a JSON object.");
        }

        if (!root.TryGetProperty("levels", out var levelsElement) || levelsElement.ValueKind != JsonValueKind.Array || levelsElement.GetArrayLength() == 0)
        {
            throw new InvalidPolicyException("levels", "must be a non-empty array.");
        }

        var levels = new List<EscalationLevel>();
        var index = 0;
        foreach (var element in levelsElement.EnumerateArray())
        {
            var at = $"levels[{index}]";
            var level = element.TryGetProperty("level", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out var n) && n > 0
                ? n
                : throw new InvalidPolicyException(at + ".level", "must be a positive whole number.");
            if (levels.Count > 0 && level <= levels[^1].Level)
            {
                throw new InvalidPolicyException(at + ".level", "levels must be listed in increasing order without repeats.");
            }

            var name = element.TryGetProperty("name", out var nm) && nm.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(nm.GetString())
                ? nm.GetString()!
                : throw new InvalidPolicyException(at + ".name", "is required.");
            var within = Duration(element, "respondWithin", at + ".respondWithin");
            var onEnter = new List<string>();
            if (element.TryGetProperty("onEnter", out var actions))
            {
                if (actions.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidPolicyException(at + ".onEnter", "must be an array of action names.");
                }

                foreach (var action in actions.EnumerateArray())
                {
                    var actionName = action.GetString();
                    if (actionName is null || !KnownActions.Contains(actionName))
                    {
                        throw new InvalidPolicyException(at + ".onEnter", $"'{actionName}' is not an action; known: {string.Join(", ", KnownActions)}.");
                    }

                    onEnter.Add(actionName);
                }
            }

            levels.Add(new EscalationLevel(level, name, within, onEnter));
            index++;
        }

        var start = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("startLevel", out var startElement))
        {
            if (startElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidPolicyException("startLevel", "must map severities to levels.");
            }

            foreach (var property in startElement.EnumerateObject())
            {
                if (!Severities.All.Contains(property.Name))
                {
                    throw new InvalidPolicyException($"startLevel.{property.Name}", $"is not a severity; known: {string.Join(", ", Severities.All)}.");
                }

                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var lv) || levels.All(x => x.Level != lv))
                {
                    throw new InvalidPolicyException($"startLevel.{property.Name}", "must name a level defined in levels.");
                }

                start[property.Name] = lv;
            }
        }

        var resolving = new List<string>();
        if (root.TryGetProperty("resolvingResponses", out var resolvingElement))
        {
            if (resolvingElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidPolicyException("resolvingResponses", "must be an array of response kinds.");
            }

            foreach (var kind in resolvingElement.EnumerateArray())
            {
                var value = kind.GetString();
                if (value is null || !ResponseKinds.All.Contains(value))
                {
                    throw new InvalidPolicyException("resolvingResponses", $"'{value}' is not a response kind; known: {string.Join(", ", ResponseKinds.All)}.");
                }

                resolving.Add(value);
            }
        }
        else
        {
            resolving.AddRange([ResponseKinds.Assurance, ResponseKinds.Remediation]);
        }

        // The field moved out of the policy; a file that still sets it would otherwise change nothing without a word.
        if (root.TryGetProperty("handlingReportWithin", out _))
        {
            throw new InvalidPolicyException(
                "handlingReportWithin", "is no longer read from the policy: it is Intake's setting Intake:HandlingReportWithin (default 8 hours); remove it here and set that instead.");
        }

        return new EscalationPolicy(levels, start, resolving);
    }

    private static TimeSpan Duration(JsonElement parent, string property, string field)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw new InvalidPolicyException(field, "is required as an ISO 8601 duration, e.g. PT4H.");
        }

        try
        {
            var span = XmlConvert.ToTimeSpan(value.GetString()!);
            return span > TimeSpan.Zero ? span : throw new InvalidPolicyException(field, "must be longer than zero.");
        }
        catch (FormatException)
        {
            throw new InvalidPolicyException(field, $"'{value.GetString()}' is not an ISO 8601 duration, e.g. PT4H.");
        }
    }
}

/// <summary>The policy file cannot be used; the message names the field.</summary>
public sealed class InvalidPolicyException : Exception
{
    public InvalidPolicyException(string field, string problem)
        : base($"Invalid escalation policy: {field} {problem}")
    {
        Field = field;
    }

    public InvalidPolicyException()
    {
        Field = string.Empty;
    }

    public InvalidPolicyException(string message)
        : base(message)
    {
        Field = string.Empty;
    }

    public InvalidPolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = string.Empty;
    }

    public string Field { get; }
}
