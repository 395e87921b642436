using System.Text;

namespace Postmaster.Tests.Delivery;

/// <summary>Stand-ins for the postmaster binary, which the unit tests do not have: shell and Python scripts that
/// record what they were given and answer as told.</summary>
internal static class FakeDeliver
{
    /// <summary>A <c>deliver</c> that writes its arguments (one a line) to args and its stdin to stdin in
    /// <paramref name="directory"/>, prints <paramref name="stderr"/> and exits with <paramref name="exitCode"/>.</summary>
    public static string Script(string directory, int exitCode = 0, string stderr = "")
    {
        string path = Path.Combine(directory, "fake-deliver");
        File.WriteAllText(path, $"""
            #!/bin/sh
            printf '%s\n' "$@" > '{directory}/args'
            cat > '{directory}/stdin'
            printf '%s' '{stderr}' >&2
            exit {exitCode}
            """ + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>An agent that answers every request "delivered" with the request's target as diagnostic; a
    /// target containing "slow" is answered after one second (so answers come out of order), "die" ends it.</summary>
    public static string Agent(string directory)
    {
        string path = Path.Combine(directory, "fake-agent");
        var script = new StringBuilder("""
            #!/usr/bin/python3
            import sys, threading, time
            lock = threading.Lock()
            def answer(fields):
                if 'slow' in fields['target']:
                    time.sleep(1)
                with lock:
                    print('id=%s outcome=delivered status=2.0.0 diagnostic=%s' % (fields['id'], fields['target']), flush=True)
            for line in sys.stdin:
                fields = dict(word.split('=', 1) for word in line.split())
                if 'die' in fields['target']:
                    sys.exit(3)
                threading.Thread(target=answer, args=(fields,)).start()
            """);
        File.WriteAllText(path, script.ToString().Replace("\r\n", "\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
