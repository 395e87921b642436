using Postmaster.Platform;

namespace Postmaster.Tests.Routing;

/// <summary>A passwd database holding exactly the users given; <see cref="Lookups"/> counts calls.</summary>
internal sealed class FakeUserDatabase(params SystemUser[] users) : IUserDatabase
{
    readonly Dictionary<string, SystemUser> _users = users.ToDictionary(u => u.Name, StringComparer.Ordinal);
    int _lookups;

    public int Lookups => Volatile.Read(ref _lookups);

    // getpwnam is case-sensitive, so the dictionary is too.
    public SystemUser? Find(string name)
    {
        Interlocked.Increment(ref _lookups);
        return _users.GetValueOrDefault(name);
    }
}
