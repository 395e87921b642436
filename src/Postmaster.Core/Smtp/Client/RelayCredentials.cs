using System.Collections.Frozen;
using System.Net;
using Postmaster.Routing;

namespace Postmaster.Smtp.Client;

/// <summary>The user names and passwords for AUTH to smart hosts, from the file the <c>relay-credentials</c>
/// setting names (DESIGN.md §2; format and checks in <see cref="TryLoad(string, out RelayCredentials?, out System.Collections.Immutable.ImmutableArray{string})"/>).
/// Neither this class nor <see cref="Account"/> ever puts a password in a message or a <c>ToString</c>.</summary>
public sealed partial class RelayCredentials
{
    /// <summary>Keyed by normalized host and port; port 0 for a line without a port, which serves every port.</summary>
    readonly FrozenDictionary<(string Host, int Port), Account> accounts;

    RelayCredentials(string fileName, Dictionary<(string Host, int Port), Account> accounts)
    {
        FileName = fileName;
        this.accounts = accounts.ToFrozenDictionary();
    }

    /// <summary>No credentials: the setting is unset.</summary>
    public static RelayCredentials Empty { get; } = new("", []);

    /// <summary>Where they came from, for messages.</summary>
    public string FileName { get; }

    public int Count => accounts.Count;

    /// <summary>The account for <paramref name="host"/> on <paramref name="port"/>: a <c>host:port</c> line beats a
    /// plain <c>host</c> line. Host names compare without case and a trailing dot; IP addresses by value.</summary>
    public Account? Find(string host, int port)
    {
        string key = Normalize(host);
        return accounts.GetValueOrDefault((key, port)) ?? accounts.GetValueOrDefault((key, 0));
    }

    public Account? Find(RelayHost host) => Find(host.Host, host.Port);

    public override string ToString() => $"{Count} relay credential(s) from {FileName}";

    /// <summary>IP addresses in their canonical text (2001:DB8:0::1 is 2001:db8::1), names in lower case without
    /// the trailing dot.</summary>
    static string Normalize(string host) =>
        IPAddress.TryParse(host, out IPAddress? address) ? address.ToString() : host.TrimEnd('.').ToLowerInvariant();

    /// <summary>One line's user name and password.</summary>
    public sealed class Account(string userName, string password)
    {
        public string UserName { get; } = userName;

        /// <summary>Send it only inside AUTH over TLS; never log it.</summary>
        public string Password { get; } = password;

        public override string ToString() => $"{UserName} (password not shown)";
    }
}
