using System.Globalization;
using System.Text;

namespace Serverless.Benchmarks.SideBySide;

/// <summary>Section 2c of the report, and the bench guard of the side-by-side phase.</summary>
public static class SideBySideReport
{
    private const double OpenIddictGoal = 2.0;
    private const double NodeGoal = 5.0;

    /// <summary>False, with the reason said, when ours serves fewer than the minimum ratio times OpenIddict's requests/s.</summary>
    public static bool Guard(SideBySideFigures figures, TextWriter log)
    {
        log.WriteLine(Invariant($"  ours / OpenIddict: {figures.RateVsOpenIddict:F2}x requests/s, {figures.CpuVsOpenIddict:F2}x less CPU per token; ours / node-oidc-provider: {figures.RateVsNode:F2}x requests/s, {figures.CpuVsNode:F2}x less CPU per token (load average {figures.LoadAverageBefore} before, {figures.LoadAverageAfter} after)"));
        var errors = figures.Totals.Where(t => t.Errors > 0).ToList();
        foreach (var t in errors)
        {
            log.WriteLine($"  FAILED: {t.Server} answered {t.Errors} requests with an error (non-2xx or socket): its rate is not a token rate.");
        }

        if (!figures.GuardPassed)
        {
            log.WriteLine(Invariant($"  FAILED: bench guard: client_credentials on the local host at {figures.RateVsOpenIddict:F2}x OpenIddict's requests/s, below the {figures.MinimumRatio:F2}x minimum (--min-ratio)."));
        }

        return figures.GuardPassed && errors.Count == 0;
    }

    public static void Write(StringBuilder md, SideBySideFigures? figures)
    {
        md.AppendLine("## 2c. Side by side: client_credentials on this server, OpenIddict and node-oidc-provider");
        md.AppendLine();
        if (figures is null)
        {
            md.AppendLine("(not run)").AppendLine();
            return;
        }

        var s = figures.Settings;
        md.AppendLine(Invariant($"Each server its own process on 127.0.0.1, the same confidential client (client_secret_basic), `grant_type=client_credentials&scope=read`, an ES256 JWT access token (at+jwt, not encrypted) checked against each one's key set before the runs, nothing stored per token. wrk with {s.Threads} thread and {s.Connections} connections for {s.DurationSeconds} s per run{(s.WrkCpus is null ? ", not pinned" : $", pinned with `taskset -c {s.WrkCpus}`")}, after a {figures.WarmUpSeconds} s warm-up of each; {figures.Rounds} rounds, the order reversed each round. CPU per token: the server process's user + system time (/proc/PID/stat) over the requests it served. Load average {figures.LoadAverageBefore} before the runs, {figures.LoadAverageAfter} after."));
        md.AppendLine();
        md.AppendLine("| server | configuration | requests/s | CPU per token (µs) | CPU per token vs ours | errors |");
        md.AppendLine("|---|---|---:|---:|---:|---:|");
        var ours = figures.Totals[0].CpuMicrosecondsPerRequest;
        foreach (var t in figures.Totals)
        {
            md.AppendLine(Invariant($"| {t.Server} | {t.Configuration} | {t.RequestsPerSecond:N0} | {t.CpuMicrosecondsPerRequest:N0} | {t.CpuMicrosecondsPerRequest / ours:F2}× | {t.Errors} |"));
        }

        md.AppendLine();
        md.AppendLine("| run | server | requests/s | p50 (ms) | p99 (ms) | CPU per token (µs) | load average at its start |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---|");
        foreach (var r in figures.Runs)
        {
            md.AppendLine(Invariant($"| {r.Round} | {r.Server} | {r.Result.RequestsPerSecond:N0} | {r.Result.P50Microseconds / 1000.0:F2} | {r.Result.P99Microseconds / 1000.0:F2} | {r.CpuMicrosecondsPerRequest:N0} | {r.LoadAverage} |"));
        }

        md.AppendLine();
        md.AppendLine(Invariant($"- Ours / OpenIddict: **{figures.RateVsOpenIddict:F2}×** the requests/s (by round: {Rounds(figures.RoundRatios(SideBySideRun.OpenIddict))}), {figures.CpuVsOpenIddict:F2}× less CPU per token (goal 2×: {(figures.RateVsOpenIddict >= OpenIddictGoal ? "met" : "not met")}; bench guard {figures.MinimumRatio:F2}×: {(figures.GuardPassed ? "passed" : "FAILED")})."));
        md.AppendLine(Invariant($"- Ours / node-oidc-provider: **{figures.RateVsNode:F2}×** the requests/s (by round: {Rounds(figures.RoundRatios(SideBySideRun.Node))}), {figures.CpuVsNode:F2}× less CPU per token (goal 5×: {(figures.RateVsNode >= NodeGoal ? "met" : "not met")})."));
        md.AppendLine();
    }

    private static string Rounds(IReadOnlyList<double> ratios) => string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture) + "×"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
