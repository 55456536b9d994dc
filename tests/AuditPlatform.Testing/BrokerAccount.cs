using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Xunit;

namespace AuditPlatform.Testing;

/// <summary>
/// A broker user on a fixture's vhost holding exactly the permissions <c>deploy/local/lib.sh</c> gives its kind of
/// user (a service's <c>bus_permission_patterns</c>, an integrator's <c>integrator_permission_patterns</c>), so a test
/// runs code under the least privilege a deployment grants, not under the test's administrator. Deleted on dispose.
/// </summary>
public sealed class BrokerAccount : IAsyncDisposable
{
    private readonly PlatformFixture fixture;

    private BrokerAccount(PlatformFixture fixture, string user, Uri address)
    {
        this.fixture = fixture;
        User = user;
        Address = address;
    }

    public string User { get; }

    /// <summary>The fixture's vhost, logged in as this user.</summary>
    public Uri Address { get; }

    /// <summary>A user named <paramref name="user"/> with the patterns <c>lib.sh</c>'s <paramref name="patterns"/> function prints for <paramref name="argument"/>.</summary>
    public static async Task<BrokerAccount> CreateAsync(PlatformFixture fixture, string user, string patterns, string argument)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        var (configure, write, read) = await PatternsAsync(patterns, argument);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        using var management = fixture.Servers.ManagementClient();
        (await management.PutAsJsonAsync($"users/{Uri.EscapeDataString(user)}", new { password, tags = string.Empty })).EnsureSuccessStatusCode();
        (await management.PutAsJsonAsync($"permissions/{Uri.EscapeDataString(fixture.VirtualHost)}/{Uri.EscapeDataString(user)}", new { configure, write, read }))
            .EnsureSuccessStatusCode();
        return new BrokerAccount(fixture, user, new UriBuilder(fixture.Bus) { UserName = Uri.EscapeDataString(user), Password = password }.Uri);
    }

    /// <summary>The configure, write and read patterns a <c>lib.sh</c> function prints, one a line (no broker needed).</summary>
    public static async Task<(string Configure, string Write, string Read)> PatternsAsync(string function, string argument)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var part in new[] { "-c", "source \"$0\" && \"$1\" \"$2\"", PlatformFixture.RepositoryFile("deploy/local/lib.sh"), function, argument })
        {
            start.ArgumentList.Add(part);
        }

        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync();
        var error = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(bash.ExitCode == 0 && lines.Length == 3, $"{function} {argument}: exit {bash.ExitCode}, {error}");
        return (lines[0], lines[1], lines[2]);
    }

    public async ValueTask DisposeAsync()
    {
        using var management = fixture.Servers.ManagementClient();
        await management.DeleteAsync($"users/{Uri.EscapeDataString(User)}");
    }
}
