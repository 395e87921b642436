using System.Diagnostics;

namespace Postmaster.EndToEnd.Support;

/// <summary>The outcome of one finished process.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string[] ErrorLines => StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}--- stderr\n{StandardError}";
}

/// <summary>Starts a program, feeds its stdin, and collects its output, with a time limit so a hung
/// process fails the test instead of the suite.</summary>
public static class ProcessRunner
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments,
        IDictionary<string, string>? environment = null, string? standardInput = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment.Remove("POSTMASTER_CONFIG");   // tests say which file they mean
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
            await process.StandardInput.WriteAsync(standardInput);
        process.StandardInput.Close();

        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {Limit}");
        }
        return new ProcessResult(process.ExitCode, await output, await error);
    }
}
