using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Postmaster.Delivery;
using Postmaster.Platform;

namespace Postmaster.Smtp.Client;

// Reading the file: the permission checks and the line syntax.
public sealed partial class RelayCredentials
{
    /// <summary>A credentials file is a few lines; anything bigger is not one.</summary>
    const long MaxFileSize = 1024 * 1024;

    /// <summary>Reads and parses <paramref name="path"/>. The file must be a regular file owned by root or by the
    /// user this process runs as, and neither group nor others may have any permission on it (chmod 600), as for
    /// ssh keys. Otherwise, or when a line is wrong, <paramref name="errors"/> says why, one line each
    /// (<c>"path" must ...</c> or <c>path:line: message</c>), and nothing is used.</summary>
    /// <remarks>Lines are <c>host[:port] user password</c>, with IPv6 addresses in brackets
    /// (<c>[2001:db8::1]:587</c>). The password is the rest of the line after the user name, trimmed, so it may
    /// contain spaces and <c>#</c>; the user name may not contain white space. Blank lines and lines starting
    /// with <c>#</c> are ignored. The file is UTF-8.</remarks>
    public static bool TryLoad(string path, [NotNullWhen(true)] out RelayCredentials? credentials, out ImmutableArray<string> errors) =>
        TryLoad(path, Libc.GetEUid(), out credentials, out errors);

    /// <param name="daemonUser">The uid that may own the file besides root (tests pass another than their own).</param>
    internal static bool TryLoad(string path, uint daemonUser, [NotNullWhen(true)] out RelayCredentials? credentials,
        out ImmutableArray<string> errors)
    {
        credentials = null;
        if (ReadPrivate(path, daemonUser, out string text) is { } problem)
        {
            errors = [problem];
            return false;
        }
        return TryParse(text, path, out credentials, out errors);
    }

    /// <summary>The file's text, read from the descriptor whose owner and mode were checked (no window for a
    /// swap between check and read); or a one-line reason naming the file.</summary>
    static string? ReadPrivate(string path, uint daemonUser, out string text)
    {
        text = "";
        int fd = FileCalls.Open(path, FileCalls.O_RDONLY);
        if (fd < 0)
            return $"cannot read \"{path}\": {FileCalls.Describe(-fd)}";
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (FileCalls.Fstat(fd, out FileCalls.FileStatus status) is int errno and not 0)
            return $"cannot read \"{path}\": fstat: {FileCalls.Describe(errno)}";
        if (!status.IsRegularFile)
            return $"\"{path}\" is not a regular file";
        uint mode = status.Mode & 0x1FF;
        if ((mode & 0x3F) != 0)
            return $"\"{path}\" must not be accessible by group or others (mode {Convert.ToString(mode, 8).PadLeft(4, '0')}; chmod 600 it)";
        if (status.Uid != 0 && status.Uid != daemonUser)
            return daemonUser == 0
                ? $"\"{path}\" must be owned by root, not by uid {status.Uid}"
                : $"\"{path}\" must be owned by root or by uid {daemonUser} (the daemon's user), not by uid {status.Uid}";
        if (status.Size > MaxFileSize)
            return $"\"{path}\" is too big for a credentials file ({status.Size} bytes)";
        try
        {
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
            using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));
            text = reader.ReadToEnd();
            return null;
        }
        catch (DecoderFallbackException)
        {
            return $"\"{path}\" is not valid UTF-8";
        }
        catch (IOException e)
        {
            return $"cannot read \"{path}\": {e.Message}";
        }
    }

    /// <summary>Parses the text of a credentials file (no permission checks); <paramref name="fileName"/> is for
    /// the <c>file:line: message</c> errors, which never quote a user name or password.</summary>
    public static bool TryParse(string text, string fileName, [NotNullWhen(true)] out RelayCredentials? credentials,
        out ImmutableArray<string> errors)
    {
        var accounts = new Dictionary<(string Host, int Port), Account>();
        var lines = new Dictionary<(string Host, int Port), int>();
        var problems = ImmutableArray.CreateBuilder<string>();
        int number = 0;
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (ParseLine(line, out (string Host, int Port) key, out Account? account) is { } problem)
                problems.Add($"{fileName}:{number}: {problem}");
            else if (lines.TryGetValue(key, out int first))
                problems.Add($"{fileName}:{number}: another entry for {Describe(key)} (the first is on line {first})");
            else
                (accounts[key], lines[key]) = (account!, number);
        }
        errors = problems.ToImmutable();
        credentials = errors.IsEmpty ? new RelayCredentials(fileName, accounts) : null;
        return credentials is not null;
    }

    /// <summary><c>host[:port] user password</c>; null, or what is wrong without quoting the secret parts.</summary>
    static string? ParseLine(string line, out (string Host, int Port) key, out Account? account)
    {
        key = default;
        account = null;
        int end = line.IndexOfAny([' ', '\t']);
        if (end < 0)
            return "expected \"host[:port] user password\"";
        string destination = line[..end];
        string rest = line[end..].TrimStart();
        int userEnd = rest.IndexOfAny([' ', '\t']);
        if (userEnd < 0)
            return "expected \"host[:port] user password\", but the password is missing";
        if (ParseDestination(destination, out key) is { } problem)
            return problem;
        account = new Account(rest[..userEnd], rest[userEnd..].Trim());
        return null;
    }

    /// <summary><c>host</c>, <c>host:port</c>, <c>192.0.2.1:port</c>, <c>[2001:db8::1]</c> or <c>[2001:db8::1]:port</c>.</summary>
    static string? ParseDestination(string text, out (string Host, int Port) key)
    {
        key = default;
        string host, port;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']');
            if (close < 0 || !IPAddress.TryParse(text.AsSpan(1, close - 1), out IPAddress? v6)
                || v6.AddressFamily != AddressFamily.InterNetworkV6 || text.Contains('%'))
                return $"bad IPv6 address in \"{text}\"";
            host = v6.ToString();
            if (close + 1 < text.Length && text[close + 1] != ':')
                return $"expected \":port\" after \"]\" in \"{text}\"";
            port = text[(close + 1)..].TrimStart(':');
            if (close + 1 < text.Length && port.Length == 0)
                return $"missing port in \"{text}\"";
        }
        else
        {
            string[] parts = text.Split(':');
            if (parts.Length > 2)
                return $"an IPv6 address must be written in brackets, as in [2001:db8::1]:587, not \"{text}\"";
            host = parts[0];
            port = parts.Length == 2 ? parts[1] : "";
            if (parts.Length == 2 && port.Length == 0)
                return $"missing port in \"{text}\"";
            if (host.Length == 0 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
                return $"bad host name \"{host}\"";
        }
        int number = 0;
        if (port.Length > 0 && (!port.All(char.IsAsciiDigit) || port.Length > 5 || (number = int.Parse(port)) is < 1 or > 65535))
            return $"bad port \"{port}\"";
        key = (Normalize(host), number);
        return null;
    }

    static string Describe((string Host, int Port) key)
    {
        string host = key.Host.Contains(':') ? $"[{key.Host}]" : key.Host;
        return key.Port == 0 ? host : $"{host}:{key.Port}";
    }
}
