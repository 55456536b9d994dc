using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using Npgsql;

namespace AuditPlatform.Audit.Verification;

/// <summary>The verdict; <c>UpTo</c> is the global sequence of the last event that matched the chain (null when none did).</summary>
public sealed record VerifyResult(bool Verified, long Checked, Failure? FirstFailure, SignedCheckpoint? Checkpoint, long? UpTo);

/// <summary><c>/audit/verify</c>: does the raw ledger still match the chain?</summary>
public static class VerifyEndpoint
{
    public static void MapVerify(this RouteGroupBuilder audit) =>
        audit.MapGet("/verify", Verify).AcceptsQuery("from", "to").WithSummary("Recomputes the chain from the raw ledger rows.");

    private static async Task<IResult> Verify(string? from, string? to, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var first = errors.WholeNumber("from", from, 0, long.MaxValue) ?? 1;
        var last = errors.WholeNumber("to", to, 0, long.MaxValue) ?? long.MaxValue;
        errors.Ordered("from", (long?)first, "to", (long?)last);
        if (errors.Any)
        {
            return AuditEndpoints.Invalid(errors);
        }

        var (checkedCount, upTo, failure) = await Verifier.VerifyAsync(
            ChainStore.EntriesAsync(dataSource, first, last, cancellationToken), rows.RangeAsync(first, last, cancellationToken),
            (id, ct) => ChainStore.IsChainedAsync(dataSource, id, ct), cancellationToken);
        var checkpoint = await ChainStore.CheckpointAsync(dataSource, null, cancellationToken);
        return TypedResults.Ok(new VerifyResult(failure is null, checkedCount, failure, checkpoint?.Checkpoint, upTo));
    }
}
