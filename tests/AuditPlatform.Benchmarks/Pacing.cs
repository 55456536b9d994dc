using System.Diagnostics;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// An open loop: the i-th of <c>count</c> sends starts at i / rate seconds, whatever the earlier ones are doing, as
/// independent clients would; returns every send's task.
/// </summary>
public static class Pacing
{
    public static async Task<List<Task>> StartAsync(int count, double rate, Func<int, Task> send)
    {
        var pending = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - clock.Elapsed;
            if (due > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(due);
            }

            pending.Add(send(i));
        }

        return pending;
    }
}
