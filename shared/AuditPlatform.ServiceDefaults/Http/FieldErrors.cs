using System.Text.RegularExpressions;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.ServiceDefaults.Http;

/// <summary>Collects field errors for one command; the same rules serve HTTP and the bus.</summary>
public sealed partial class FieldErrors
{
    public const int DefaultMaxLength = 2000;
    public const int MaxListLength = 100;

    private readonly Dictionary<string, List<string>> errors = [];

    public bool Any => errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }

    public void Text(string field, string? value, int maxLength = DefaultMaxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "is required.");
            }

            return;
        }

        if (value.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters.");
        }
    }

    public void OneOf(string field, string? value, IReadOnlyList<string> allowed, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, $"is required; one of {string.Join(", ", allowed)}.");
            }

            return;
        }

        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            Add(field, $"must be one of {string.Join(", ", allowed)}.");
        }
    }

    public void Time(string field, DateTimeOffset? value, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "is required (RFC 3339, UTC).");
            }

            return;
        }

        if (value.Value.Year is < 1900 or > 2999)
        {
            Add(field, "must be between the years 1900 and 2999.");
        }
    }

    public void Time(string field, DateTimeOffset value) => Time(field, value == default ? null : value);

    /// <summary>How far ahead of this service's clock a time something happened may be: the senders' clocks are not ours.</summary>
    public static readonly TimeSpan ClockDifference = TimeSpan.FromMinutes(5);

    /// <summary>The time the command is checked at, when known: a time something happened must not be later.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>
    /// A time something happened (world time: a share, a sighting, a response): as <see cref="Time(string, DateTimeOffset?, bool)"/>,
    /// and not in the future. A future world time would hide the event from every "until" question asked before it,
    /// and an assessment dated ahead would push its report deadline, and the case a missed one opens, out of reach.
    /// </summary>
    public void Happened(string field, DateTimeOffset? value, bool required = true)
    {
        Time(field, value, required);
        if (value is { } at && Now is { } now && at > now + ClockDifference)
        {
            Add(field, $"must not be in the future: it is when this happened (now is {now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}; clocks may differ by {ClockDifference.TotalMinutes:0} minutes).");
        }
    }

    /// <summary>
    /// Optional free text from a query or a path: bounded, and free of control characters, which no identifier or
    /// search holds (PostgreSQL text cannot hold NUL, so one would otherwise fail the query).
    /// </summary>
    public void Plain(string field, string? value, int maxLength = 200)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters.");
        }
        else if (value.Any(char.IsControl))
        {
            Add(field, "must not contain control characters.");
        }
    }

    /// <summary>A query parameter that must be a whole number in a range; null when absent or malformed.</summary>
    public long? WholeNumber(string field, string? value, long min, long max, bool required = false)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                Add(field, "is required.");
            }

            return null;
        }

        if (!long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || number < min || number > max)
        {
            Add(field, max == long.MaxValue ? $"must be a whole number of at least {min}." : $"must be a whole number from {min} to {max}.");
            return null;
        }

        return number;
    }

    /// <summary>A query parameter that must be an RFC 3339 date-time; in UTC, or null when absent or malformed.</summary>
    public DateTimeOffset? Instant(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var instant))
        {
            Add(field, "must be an RFC 3339 date-time, e.g. 2017-05-24T18:00:00Z.");
            return null;
        }

        return instant.ToUniversalTime();
    }

    /// <summary>Two bounds of a range, given together, in order.</summary>
    public void Ordered<T>(string lowerField, T? lower, string upperField, T? upper)
        where T : struct, IComparable<T>
    {
        if (lower is { } l && upper is { } u && l.CompareTo(u) > 0)
        {
            Add(lowerField, $"must not be after {upperField}.");
        }
    }

    public void Id(string field, Guid? value)
    {
        if (value == Guid.Empty)
        {
            Add(field, "must not be the empty UUID.");
        }
    }

    public void PartnerCode(string field, string? value, bool required = true)
    {
        if (value is null && !required)
        {
            return;
        }

        if (value is null || !PartnerCodePattern().IsMatch(value))
        {
            Add(field, "must be a partner code: 2 to 32 upper-case letters, digits and '-', e.g. US-DHS.");
        }
    }

    public void List<T>(string field, IReadOnlyCollection<T>? values, bool required = true, int max = MaxListLength)
    {
        if (values is null || values.Count == 0)
        {
            if (required)
            {
                Add(field, "must list at least one entry.");
            }

            return;
        }

        if (values.Count > max)
        {
            Add(field, $"must list at most {max} entries.");
        }
    }

    public void Sha256Hex(string field, string? value)
    {
        if (value is null || !Sha256Pattern().IsMatch(value))
        {
            Add(field, "must be 64 lower-case hexadecimal characters (SHA-256).");
        }
    }

    public const string DefaultTitle = "The command is not valid.";

    public void ThrowIfAny(string title = DefaultTitle)
    {
        if (Any)
        {
            throw new InvalidCommandException("validation", title, ToDictionary());
        }
    }

    public Dictionary<string, string[]> ToDictionary() => errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    [GeneratedRegex("^[A-Z0-9][A-Z0-9-]{1,31}$")]
    public static partial Regex PartnerCodePattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
