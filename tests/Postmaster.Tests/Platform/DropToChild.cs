using Postmaster.Platform;

/// <summary>Runs <see cref="Privileges.DropTo"/> for real in a child process, which may lose root for good:
/// <see cref="Postmaster.Tests.Platform.PrivilegesTests"/> starts <c>dotnet Postmaster.Tests.dll</c> with
/// DOTNET_STARTUP_HOOKS naming this assembly, so the runtime calls <see cref="Initialize"/> before the test
/// SDK's empty Main. It must be called StartupHook and live in the global namespace. Without the variable
/// below it does nothing.</summary>
internal static class StartupHook
{
    public const string Variable = "POSTMASTER_TEST_DROP_TO";

    public static void Initialize()
    {
        string? name = Environment.GetEnvironmentVariable(Variable);
        if (name is null)
            return;
        SystemUser user = PasswdDatabase.Instance.Find(name) ?? throw new InvalidOperationException($"no user {name}");
        // More threads, so the check below shows the change reached every one of them.
        using var barrier = new Barrier(4);
        var threads = Enumerable.Range(0, 3).Select(_ => new Thread(() => { barrier.SignalAndWait(); barrier.SignalAndWait(); })).ToList();
        threads.ForEach(t => t.Start());
        barrier.SignalAndWait();
        try
        {
            Privileges.DropTo(user);
        }
        catch (PrivilegeException e)
        {
            Console.WriteLine($"refused: {e.Message}");
            Environment.Exit(3);
        }
        // Every thread's real, effective, saved and fs ids, from /proc.
        var ids = Directory.GetDirectories("/proc/self/task")
            .SelectMany(Status)
            .Where(line => line.StartsWith("Uid:", StringComparison.Ordinal) || line.StartsWith("Gid:", StringComparison.Ordinal)
                || line.StartsWith("Groups:", StringComparison.Ordinal))
            .Select(line => string.Join(' ', line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)))
            .Distinct();
        barrier.SignalAndWait();
        threads.ForEach(t => t.Join());
        Console.WriteLine($"threads={Directory.GetDirectories("/proc/self/task").Length} {string.Join(" | ", ids)}");
        Environment.Exit(0);
    }

    // A short-lived runtime thread may be gone by the time its status is read.
    static string[] Status(string task)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(task, "status"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
